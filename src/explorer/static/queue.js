// The review queue (GET /v1/cases) and a case's page: its facts, its audit trail, the actions
// the key may take (claim, release, note, resolve) and the decision under review.

import { query } from './api.js';
import { decisionNodes } from './detail.js';
import { badge, el, formatTime } from './dom.js';

const PAGE_SIZE = 25;

/** The queue's views, as the API's filters. */
export const QUEUE_VIEWS = {
  open: { status: 'open' },
  mine: { status: 'claimed', assignee: 'me' },
  claimed: { status: 'claimed' },
  overdue: { overdue: 'true' },
  resolved: { status: 'resolved' },
  all: {},
};

const who = (keyId, me) => (keyId === null || keyId === undefined ? '—' : keyId === me.id ? 'you' : keyId);

function statusCell(item, me) {
  const text = item.status === 'claimed' ? `claimed by ${who(item.assignee, me)}` : item.status === 'resolved' ? `resolved: ${item.disposition}` : 'open';
  return el('span', { class: `case-status case-status-${item.status}` }, text);
}

function dueCell(item) {
  return [formatTime(item.dueAt), item.overdue ? el('span', { class: 'overdue' }, ' overdue') : null];
}

function caseRow(item, ctx) {
  const open = () => void ctx.openCase(item.id);
  return el(
    'tr',
    { 'data-id': item.id, 'data-decision': item.decisionId, onclick: open },
    el('td', {}, el('button', { type: 'button', class: 'link', title: 'Open this case', onclick: (event) => { event.stopPropagation(); open(); } }, formatTime(item.createdAt))),
    el('td', {}, item.useCase),
    el('td', {}, badge(item.outcome)),
    el('td', { class: 'num' }, String(item.score)),
    el('td', {}, statusCell(item, ctx.me)),
    el('td', { class: 'num' }, dueCell(item)),
  );
}

/** Loads a page of the queue's current view into `table`; answers the next cursor, or nothing when a newer load began meanwhile. */
export async function loadQueue(table, view, ctx, cursor) {
  const page = await ctx.api(`/v1/cases${query({ ...QUEUE_VIEWS[view], limit: PAGE_SIZE, cursor })}`);
  if (!ctx.current()) return undefined;
  const body = table.tBodies[0];
  if (!cursor) body.replaceChildren();
  body.append(...page.items.map((item) => caseRow(item, ctx)));
  return { nextCursor: page.nextCursor, rows: body.rows.length };
}

function fact(term, ...value) {
  return [el('dt', {}, term), el('dd', {}, ...value)];
}

function eventLine(event, me) {
  const parts = [el('time', { datetime: event.at }, formatTime(event.at)), ' ', el('strong', {}, event.action), event.apiKeyId ? ` by ${who(event.apiKeyId, me)}` : ''];
  if (event.disposition) parts.push(`: ${event.disposition}`);
  return el('li', { 'data-action': event.action }, parts, event.note ? el('p', { class: 'case-note' }, event.note) : null);
}

/** The buttons a key with cases:write has on the case, as its state allows. */
function actions(detail, ctx) {
  if (!ctx.can('cases:write')) return el('p', { class: 'note' }, 'This API key may read the queue only (no cases:write).');
  const status = el('p', { class: 'case-action-status', role: 'status' });
  const act = (path, body) => async (event) => {
    const button = event.currentTarget;
    const sent = body();
    if (sent === null) {
      status.replaceChildren(el('span', { class: 'error', role: 'alert' }, 'Write the note first.'));
      return;
    }
    button.disabled = true;
    try {
      await ctx.api(`/v1/cases/${encodeURIComponent(detail.id)}/${path}`, { method: 'POST', body: sent });
      await ctx.caseChanged(detail.id);
    } catch (error) {
      status.replaceChildren(el('span', { class: 'error', role: 'alert' }, ctx.explain(error)));
      button.disabled = false;
    }
  };
  const note = el('textarea', { id: 'case-note', rows: '3', maxlength: '2000', spellcheck: 'true' });
  const noteText = () => note.value.trim() || undefined;
  const mine = detail.assignee === ctx.me.id;
  const admin = ctx.can('admin');
  const buttons = [];
  if (detail.status === 'open') buttons.push(el('button', { type: 'button', onclick: act('claim', () => ({})) }, 'Claim'));
  if (detail.status === 'claimed' && (mine || admin)) buttons.push(el('button', { type: 'button', onclick: act('release', () => ({})) }, 'Release'));
  const noteButton = el('button', { type: 'button', onclick: act('notes', () => (noteText() ? { note: noteText() } : null)) }, 'Add note');
  const resolvable = detail.status === 'open' || (detail.status === 'claimed' && (mine || admin));
  const resolve = resolvable
    ? el(
        'div',
        { class: 'actions resolve', role: 'group', 'aria-label': 'Resolve the case' },
        el('span', {}, 'Resolve as '),
        ['fraud', 'legitimate', 'inconclusive'].map((disposition) => el('button', { type: 'button', onclick: act('resolve', () => ({ disposition, note: noteText() })) }, disposition)),
      )
    : null;
  return el(
    'div',
    { class: 'case-actions' },
    buttons.length ? el('div', { class: 'actions' }, buttons) : null,
    el('label', { for: 'case-note' }, 'Note'),
    note,
    el('div', { class: 'actions' }, noteButton),
    resolve,
    status,
  );
}

/** Replaces `container` with the case (GET /v1/cases/{id}): facts, actions, trail, decision. */
export function renderCase(container, detail, ctx) {
  container.replaceChildren(
    el('h2', { id: 'detail-title' }, 'Case ', el('code', { class: 'id' }, detail.id)),
    el(
      'dl',
      { class: 'facts case-facts' },
      fact('Status', statusCell(detail, ctx.me)),
      fact('Opened', formatTime(detail.createdAt)),
      fact('Due', dueCell(detail)),
      detail.claimedAt ? fact('Claimed', formatTime(detail.claimedAt)) : [],
      detail.resolvedAt ? fact('Resolved', formatTime(detail.resolvedAt), ` as ${detail.disposition}`) : [],
    ),
    actions(detail, ctx),
    el('h3', {}, 'Audit trail'),
    el('ol', { class: 'case-events' }, detail.events.map((event) => eventLine(event, ctx.me))),
    el('section', { class: 'case-decision' }, decisionNodes(detail.decision, ctx, 3)),
  );
}
