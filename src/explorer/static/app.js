// The decision explorer: reads the JSON API with the key typed by the user. The key stays in
// this tab's sessionStorage and travels in the Authorization header only, never in a URL; a
// searched phone number travels in a request body only, and is never stored by the page.

import { ApiError, apiWith, explain, query } from './api.js';
import { renderBreakdown } from './breakdown.js';
import { renderChart } from './chart.js';
import { download, exportCsv, exportName } from './csv.js';
import { renderDetail } from './detail.js';
import { badge, el, formatTime, zoneLabel } from './dom.js';
import { renderPolicies } from './policies.js';
import { loadQueue, renderCase } from './queue.js';

const KEY_STORAGE = 'linetrust.explorer.key';
const PAGE_SIZE = 25;
const DAY_MS = 86_400_000;

const $ = (id) => document.getElementById(id);
const state = { key: null, me: null, cursor: null, queueCursor: null, selected: null, openCase: null, policies: [] };
const api = apiWith(() => state.key);

/** Whether the connected key has `scope` (admin has every scope). */
const can = (scope) => Boolean(state.me && (state.me.scopes.includes('admin') || state.me.scopes.includes(scope)));

function showStatus(message, kind = 'info') {
  const status = $('status');
  status.textContent = message;
  status.className = `status status-${kind}`;
}

/** A failed section shows why in place; a refused key disconnects the whole page. */
function report(error, slot) {
  if (error instanceof ApiError && error.status === 401) {
    disconnect(explain(error));
    return;
  }
  slot.replaceChildren(el('span', { class: 'error', role: 'alert' }, explain(error)));
}

/** The filter bar as the API's filters (the body of POST /v1/decisions/search). */
function filters() {
  const instant = (id) => {
    const value = $(id).value;
    const time = value ? new Date(value) : undefined; // datetime-local: the browser's local time
    return time && !Number.isNaN(time.getTime()) ? time.toISOString() : undefined;
  };
  const text = (id) => $(id).value.trim() || undefined;
  return {
    useCase: $('filter-use-case').value || undefined,
    outcome: $('filter-outcome').value || undefined,
    phoneNumber: text('filter-phone')?.replace(/[\s().-]/g, ''),
    subjectId: text('filter-subject'),
    from: instant('filter-from'),
    to: instant('filter-to'),
  };
}

/** What the decision context of the detail panel needs (label buttons, policy text). */
const detailContext = () => ({ api, explain, canLabel: can('cases:write'), onLabelled: (id) => refreshAfterChange(() => openDecision(id)) });

function decisionRow(decision) {
  const open = () => void openDecision(decision.id);
  const first = decision.reasons[0];
  return el(
    'tr',
    { 'data-id': decision.id, 'aria-current': decision.id === state.selected ? 'true' : undefined, onclick: open },
    el('td', {}, el('button', { type: 'button', class: 'link', title: 'Show the explanation of this decision', onclick: (event) => { event.stopPropagation(); open(); } }, formatTime(decision.createdAt))),
    el('td', {}, decision.useCase),
    el('td', {}, badge(decision.outcome)),
    el('td', { class: 'num' }, String(decision.score)),
    el('td', { class: 'number' }, decision.phoneNumber),
    el('td', { class: 'label-cell' }, decision.label ? el('span', { class: `label label-${decision.label}` }, decision.label) : '—'),
    el('td', { class: 'reason', title: first?.message }, first ? el('code', {}, first.code) : '—'),
  );
}

/**
 * Answers a function that says whether a load begun now is still the newest of its kind: filters
 * change faster than the API answers, and an older answer must not replace a newer one.
 */
const generations = {};
function begin(kind) {
  const generation = (generations[kind] = (generations[kind] ?? 0) + 1);
  return () => generations[kind] === generation;
}

async function loadDecisions(more = false) {
  const current = begin('decisions');
  const page = await api('/v1/decisions/search', { method: 'POST', body: { ...filters(), limit: PAGE_SIZE, cursor: more ? state.cursor : undefined } });
  if (!current()) return;
  const body = $('decisions').tBodies[0];
  if (!more) body.replaceChildren();
  body.append(...page.items.map(decisionRow));
  state.cursor = page.nextCursor;
  $('more').hidden = !page.nextCursor;
  $('list-note').textContent = body.rows.length === 0 ? 'No decision matches these filters.' : '';
}

/** Marks the open row in both tables (the decision's, and its case's when one is open). */
function markSelected() {
  const mark = (table, id) => {
    for (const row of table.tBodies[0].rows) {
      if (row.dataset.id === id) row.setAttribute('aria-current', 'true');
      else row.removeAttribute('aria-current');
    }
  };
  mark($('decisions'), state.selected);
  mark($('queue'), state.openCase);
}

/** On a one-column layout the panel is below the lists: bring it into view. */
function revealDetail() {
  if (window.matchMedia('(max-width: 899px)').matches) $('detail').scrollIntoView({ block: 'start' });
}

async function openDecision(id) {
  state.selected = id;
  state.openCase = null;
  markSelected();
  const detail = $('detail');
  try {
    renderDetail(detail, await api(`/v1/decisions/${encodeURIComponent(id)}`), detailContext());
    revealDetail();
  } catch (error) {
    detail.replaceChildren(el('h2', { id: 'detail-title' }, 'Decision'), el('p', {}));
    report(error, detail.lastChild);
  }
}

async function openCase(id, reveal = true) {
  state.openCase = id;
  state.selected = null;
  markSelected();
  const detail = $('detail');
  try {
    const found = await api(`/v1/cases/${encodeURIComponent(id)}`);
    renderCase(detail, found, { ...detailContext(), me: state.me, can, caseChanged: (caseId) => refreshAfterChange(() => openCase(caseId, false)) });
    if (reveal) revealDetail();
  } catch (error) {
    detail.replaceChildren(el('h2', { id: 'detail-title' }, 'Case'), el('p', {}));
    report(error, detail.lastChild);
  }
}

/** After a label or a case action: the detail, the queue and the list show the new state. */
async function refreshAfterChange(reopen) {
  await Promise.all([reopen(), loadCases().catch((error) => report(error, $('queue-note'))), loadDecisions().catch((error) => report(error, $('list-note')))]);
  markSelected();
}

async function loadCases(more = false) {
  if (!can('cases:read')) return;
  const ctx = { api, me: state.me, openCase: (id) => openCase(id), current: begin('cases') };
  const loaded = await loadQueue($('queue'), $('queue-view').value, ctx, more ? state.queueCursor : undefined);
  if (!loaded) return;
  const { nextCursor, rows } = loaded;
  state.queueCursor = nextCursor;
  $('queue-more').hidden = !nextCursor;
  $('queue-note').textContent = rows === 0 ? 'No case in this view.' : '';
  markSelected();
}

/** Hours for up to two days, days beyond: the API allows 200 buckets per request. */
function chartRange() {
  const f = filters();
  const end = f.to ? Date.parse(f.to) : Date.now();
  const start = f.from ? Date.parse(f.from) : end - DAY_MS;
  return { useCase: f.useCase, from: f.from, to: f.to, bucket: end - start > 2 * DAY_MS ? 'day' : 'hour' };
}

/** The three charts; each says in place when its data could not be read. */
function loadCharts() {
  const range = query(chartRange());
  const current = begin('charts');
  return Promise.all([
    api(`/v1/decisions/stats${range}`).then(
      (stats) => current() && renderChart($('chart'), stats),
      (error) => current() && report(error, $('chart')),
    ),
    api(`/v1/decisions/stats/breakdown${range}`).then(
      (breakdown) => current() && renderBreakdown($('scores'), $('rule-hits'), breakdown),
      (error) => current() && report(error, $('scores')),
    ),
  ]);
}

function loadPolicies() {
  const f = filters();
  const visible = state.policies === null ? null : state.policies.filter((p) => !f.useCase || p.id === f.useCase);
  renderPolicies($('policies'), visible, { api, explain, canBacktest: can('admin'), range: { from: f.from, to: f.to } });
}

async function refresh() {
  const f = filters();
  if (f.from && f.to && f.from >= f.to) {
    showStatus('"From" must be before "To".', 'error');
    return;
  }
  showStatus(`Connected as ${state.me.label} (${state.me.scopes.join(', ')}).`);
  await Promise.all([
    loadDecisions().catch((error) => report(error, $('list-note'))),
    loadCharts(),
    loadCases().catch((error) => report(error, $('queue-note'))),
  ]);
  if (state.key) loadPolicies();
}

async function exportList() {
  const button = $('export');
  const note = $('export-note');
  button.disabled = true;
  try {
    const { text, rows, truncated } = await exportCsv(api, filters(), (count) => (note.textContent = `Exporting… ${count} decisions`));
    download(text, exportName());
    note.textContent = truncated ? `Exported the newest ${rows} decisions (the most one export takes); narrow the filters for the rest.` : `Exported ${rows} decisions.`;
  } catch (error) {
    report(error, note);
  } finally {
    button.disabled = false;
  }
}

function fillUseCases() {
  const select = $('filter-use-case');
  const ids = state.policies?.map((p) => p.id) ?? state.me.useCases ?? [];
  select.replaceChildren(el('option', { value: '' }, 'All use cases'), ...ids.map((id) => el('option', { value: id }, id)));
}

async function connect(key) {
  state.key = key;
  sessionStorage.setItem(KEY_STORAGE, key);
  showStatus('Connecting…');
  try {
    state.me = await api('/v1/keys/me');
    state.policies = can('policies:read') ? (await api('/v1/policies')).items : null;
  } catch (error) {
    disconnect(explain(error));
    return;
  }
  if (!can('decisions:read')) {
    disconnect(`This API key lacks the scope decisions:read, which the explorer needs (it has ${state.me.scopes.join(', ')}).`);
    return;
  }
  fillUseCases();
  $('queue-panel').hidden = !can('cases:read');
  $('api-key').value = '';
  $('api-key').placeholder = 'connected: key kept in this tab only';
  $('forget-key').hidden = false;
  $('main').hidden = false;
  await refresh();
}

function disconnect(message) {
  Object.assign(state, { key: null, me: null, selected: null, openCase: null });
  sessionStorage.removeItem(KEY_STORAGE);
  $('main').hidden = true;
  $('forget-key').hidden = true;
  $('api-key').placeholder = 'lt_…';
  $('filter-phone').value = '';
  showStatus(message || 'Key forgotten. Enter an API key to continue.', message ? 'error' : 'info');
}

function start() {
  $('time-zone').textContent = `Times are shown in ${zoneLabel()}.`;
  $('key-form').addEventListener('submit', (event) => {
    event.preventDefault();
    const key = $('api-key').value.trim();
    if (key) void connect(key);
    else showStatus('Enter an API key first.', 'error');
  });
  $('forget-key').addEventListener('click', () => disconnect(''));
  $('filters').addEventListener('submit', (event) => {
    event.preventDefault();
    void refresh();
  });
  $('clear-search').addEventListener('click', () => {
    $('filter-phone').value = '';
    $('filter-subject').value = '';
    void refresh();
  });
  for (const id of ['filter-use-case', 'filter-outcome']) $(id).addEventListener('change', () => void refresh());
  $('refresh').addEventListener('click', () => void refresh());
  $('more').addEventListener('click', () => void loadDecisions(true).catch((error) => report(error, $('list-note'))));
  $('export').addEventListener('click', () => void exportList());
  $('queue-view').addEventListener('change', () => void loadCases().catch((error) => report(error, $('queue-note'))));
  $('queue-more').addEventListener('click', () => void loadCases(true).catch((error) => report(error, $('queue-note'))));
  const saved = sessionStorage.getItem(KEY_STORAGE);
  if (saved) void connect(saved);
}

start();
