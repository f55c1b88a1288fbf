// The decision explorer: reads the JSON API with the key typed by the user. The key stays in
// this tab's sessionStorage and travels in the Authorization header only, never in a URL.

import { renderChart } from './chart.js';
import { renderDetail } from './detail.js';
import { badge, el, formatTime, zoneLabel } from './dom.js';
import { renderPolicies } from './policies.js';

const KEY_STORAGE = 'linetrust.explorer.key';
const PAGE_SIZE = 25;
const DAY_MS = 86_400_000;

const $ = (id) => document.getElementById(id);
const state = { key: null, cursor: null, selected: null, policies: [] };

class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

/** Calls the API as the connected key; a non-2xx answer throws its CAMARA error. */
async function api(path, { method = 'GET', body } = {}) {
  const headers = { accept: 'application/json', authorization: `Bearer ${state.key}` };
  if (body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), cache: 'no-store', credentials: 'omit' });
  const text = await response.text();
  let data;
  try {
    data = text ? JSON.parse(text) : undefined;
  } catch {
    data = undefined;
  }
  if (!response.ok) throw new ApiError(response.status, data?.code ?? 'ERROR', data?.message ?? `HTTP ${response.status}`);
  return data;
}

/** What to tell the user about a failed call. */
function explain(error) {
  if (!(error instanceof ApiError)) return `The service could not be reached (${error.message}).`;
  if (error.status === 401) return 'The API key was not accepted (401 UNAUTHENTICATED). Check it, or create one with: npm run keys -- create --label explorer --scopes decisions:read,policies:read';
  if (error.status === 403) return `This API key may not do that (403 PERMISSION_DENIED): ${error.message}`;
  return `${error.status} ${error.code}: ${error.message}`;
}

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

function filters() {
  const instant = (id) => {
    const value = $(id).value;
    const time = value ? new Date(value) : undefined; // datetime-local: the browser's local time
    return time && !Number.isNaN(time.getTime()) ? time.toISOString() : undefined;
  };
  return {
    useCase: $('filter-use-case').value || undefined,
    outcome: $('filter-outcome').value || undefined,
    from: instant('filter-from'),
    to: instant('filter-to'),
  };
}

function query(params) {
  const q = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) if (value !== undefined && value !== null) q.set(name, String(value));
  const text = q.toString();
  return text ? `?${text}` : '';
}

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
    el('td', { class: 'reason', title: first?.message }, first ? el('code', {}, first.code) : '—'),
  );
}

async function loadDecisions(more = false) {
  const f = filters();
  const page = await api(`/v1/decisions${query({ ...f, limit: PAGE_SIZE, cursor: more ? state.cursor : undefined })}`);
  const body = $('decisions').tBodies[0];
  if (!more) body.replaceChildren();
  body.append(...page.items.map(decisionRow));
  state.cursor = page.nextCursor;
  $('more').hidden = !page.nextCursor;
  $('list-note').textContent = body.rows.length === 0 ? 'No decision matches these filters.' : '';
}

async function openDecision(id) {
  state.selected = id;
  for (const row of $('decisions').tBodies[0].rows) {
    if (row.dataset.id === id) row.setAttribute('aria-current', 'true');
    else row.removeAttribute('aria-current');
  }
  const detail = $('detail');
  try {
    renderDetail(detail, await api(`/v1/decisions/${encodeURIComponent(id)}`), api, explain);
  } catch (error) {
    detail.replaceChildren(el('h2', { id: 'detail-title' }, 'Decision'), el('p', {}));
    report(error, detail.lastChild);
  }
}

async function loadChart() {
  const f = filters();
  // Hours for up to two days, days beyond: the API allows 200 buckets per request.
  const end = f.to ? Date.parse(f.to) : Date.now();
  const start = f.from ? Date.parse(f.from) : end - DAY_MS;
  const bucket = end - start > 2 * DAY_MS ? 'day' : 'hour';
  renderChart($('chart'), await api(`/v1/decisions/stats${query({ useCase: f.useCase, from: f.from, to: f.to, bucket })}`));
}

function loadPolicies() {
  const f = filters();
  const visible = state.policies === null ? null : state.policies.filter((p) => !f.useCase || p.id === f.useCase);
  renderPolicies($('policies'), visible, { api, explain, range: { from: f.from, to: f.to } });
}

async function refresh() {
  const f = filters();
  if (f.from && f.to && f.from >= f.to) {
    showStatus('"From" must be before "To".', 'error');
    return;
  }
  showStatus('Connected.');
  await Promise.all([
    loadDecisions().catch((error) => report(error, $('list-note'))),
    loadChart().catch((error) => report(error, $('chart'))),
  ]);
  if (state.key) loadPolicies();
}

function fillUseCases() {
  const select = $('filter-use-case');
  select.replaceChildren(el('option', { value: '' }, 'All use cases'), ...(state.policies ?? []).map((p) => el('option', { value: p.id }, p.id)));
}

async function connect(key) {
  state.key = key;
  sessionStorage.setItem(KEY_STORAGE, key);
  showStatus('Connecting…');
  try {
    state.policies = (await api('/v1/policies')).items;
  } catch (error) {
    // A key without policies:read still reads decisions; any other failure stops here.
    if (!(error instanceof ApiError && error.status === 403)) {
      disconnect(explain(error));
      return;
    }
    state.policies = null;
  }
  fillUseCases();
  $('api-key').value = '';
  $('api-key').placeholder = 'connected: key kept in this tab only';
  $('forget-key').hidden = false;
  $('main').hidden = false;
  await refresh();
}

function disconnect(message) {
  state.key = null;
  state.selected = null;
  sessionStorage.removeItem(KEY_STORAGE);
  $('main').hidden = true;
  $('forget-key').hidden = true;
  $('api-key').placeholder = 'lt_…';
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
  for (const id of ['filter-use-case', 'filter-outcome']) $(id).addEventListener('change', () => void refresh());
  $('refresh').addEventListener('click', () => void refresh());
  $('more').addEventListener('click', () => void loadDecisions(true).catch((error) => report(error, $('list-note'))));
  const saved = sessionStorage.getItem(KEY_STORAGE);
  if (saved) void connect(saved);
}

start();
