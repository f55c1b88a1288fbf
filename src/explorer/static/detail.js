// One decision's full explanation: what was decided, the rules that fired, every signal query
// with its parameters and answer, and the policy version (its exact text on demand).

import { badge, breakable, compact, el, formatTime, table } from './dom.js';

function fact(term, ...value) {
  return [el('dt', {}, term), el('dd', {}, ...value)];
}

function signalStatus(status) {
  return el('span', { class: `signal-status signal-status-${status === 'OK' ? 'ok' : 'other'}` }, status);
}

/** Where the answer came from: the cache (and its age), or so many calls to the operator. */
function callsCell(signal) {
  const took = `${signal.durationMs} ms`;
  if (signal.cached) return `cached${signal.cacheAgeMs === undefined ? '' : `, ${Math.round(signal.cacheAgeMs / 1000)} s old`} · ${took}`;
  return `${signal.attempts} ${signal.attempts === 1 ? 'attempt' : 'attempts'} · ${took}`;
}

/** A button that fetches the policy version's text the first time it is opened. */
function policyText(decision, api, explain) {
  const text = el('pre', { class: 'policy-text', id: 'policy-text', hidden: true, tabindex: '0', 'aria-label': 'Policy text' });
  let loaded = false;
  const button = el('button', { type: 'button', class: 'small', 'aria-expanded': 'false', 'aria-controls': 'policy-text' }, 'Show policy text');
  button.addEventListener('click', async () => {
    const open = text.hidden;
    text.hidden = !open;
    button.setAttribute('aria-expanded', String(open));
    button.textContent = open ? 'Hide policy text' : 'Show policy text';
    if (!open || loaded) return;
    text.textContent = 'Loading…';
    try {
      const { id, version } = decision.policy;
      const found = await api(`/v1/policies/${encodeURIComponent(id)}/versions/${encodeURIComponent(version)}`);
      text.textContent = found.content;
      loaded = true;
    } catch (error) {
      text.textContent = explain(error);
    }
  });
  return { button, text };
}

/** The label a decision carries, and, for a key that may label (cases:write), buttons to set it. */
function labelFact(decision, ctx) {
  const shown = decision.label
    ? [el('span', { class: `label label-${decision.label}`, 'data-label': decision.label }, decision.label), el('span', { class: 'hint' }, ` since ${formatTime(decision.labeledAt)}`)]
    : [el('span', { class: 'hint', 'data-label': '' }, 'not labelled')];
  if (!ctx.canLabel) return fact('Label', ...shown);
  const status = el('span', { class: 'label-status', role: 'status' });
  const buttons = ['fraud', 'legitimate'].map((label) => {
    const button = el('button', { type: 'button', class: 'small', 'aria-pressed': String(decision.label === label) }, `Label ${label}`);
    button.addEventListener('click', async () => {
      button.disabled = true;
      try {
        await ctx.api(`/v1/decisions/${encodeURIComponent(decision.id)}/feedback`, { method: 'POST', body: { label } });
        await ctx.onLabelled(decision.id);
      } catch (error) {
        status.replaceChildren(el('span', { class: 'error', role: 'alert' }, ctx.explain(error)));
        button.disabled = false;
      }
    });
    return button;
  });
  return fact('Label', ...shown, ' ', el('span', { class: 'actions' }, buttons), status);
}

/**
 * The explanation of `decision` (GET /v1/decisions/{id}) as nodes, its title at heading
 * `level` (2 on its own, 3 inside a case). `ctx`: { api, explain, canLabel, onLabelled(id) }.
 */
export function decisionNodes(decision, ctx, level = 2) {
  const policy = policyText(decision, ctx.api, ctx.explain);
  const sub = `h${level + 1}`;
  const reasons = decision.reasons.length
    ? el(
        'div',
        { class: 'scroll-x' },
        table(
          'Rules that fired, in the order the policy applied them',
          ['Rule', 'Code', 'Action', 'Message'],
          decision.reasons.map((r) => [breakable(r.rule), breakable(r.code), badge(r.action), r.message]),
          'grid-table reasons',
        ),
      )
    : el('p', { class: 'note' }, 'No rule fired: the policy answered its default outcome.');
  const signals = decision.signals.length
    ? el(
        'div',
        { class: 'scroll-x' },
        table(
          'Signal queries made for this decision',
          ['Signal', 'Query', 'Status', 'Answer', 'Cached / attempts'],
          decision.signals.map((s) => [
            el('code', {}, s.signal),
            compact(s.query),
            signalStatus(s.status),
            s.answer !== undefined ? compact(s.answer) : (s.reason ?? ''),
            callsCell(s),
          ]),
          'grid-table signals',
        ),
      )
    : el('p', { class: 'note' }, 'No signal was queried: request facts alone decided.');

  return [
    el(`h${level}`, level === 2 ? { id: 'detail-title' } : { class: 'decision-title' }, 'Decision ', el('code', { class: 'id' }, decision.id)),
    el(
      'dl',
      { class: 'facts decision-facts' },
      fact('Outcome', badge(decision.outcome), ` score ${decision.score}`),
      labelFact(decision, ctx),
      fact('Use case', decision.useCase),
      fact('Time', formatTime(decision.createdAt), el('span', { class: 'hint' }, ` (${decision.createdAt})`)),
      fact('Number', decision.phoneNumber),
      decision.subjectId !== undefined ? fact('Subject', decision.subjectId) : [],
      decision.trustedSince !== undefined ? fact('Trusted since', decision.trustedSince) : [],
      decision.context !== undefined ? fact('Context', el('code', {}, JSON.stringify(decision.context))) : [],
      fact('Correlator', el('code', {}, decision.correlator)),
      fact('Policy', el('code', {}, decision.policy.id), ' version ', el('code', {}, decision.policy.version), ' ', policy.button),
    ),
    policy.text,
    el(sub, {}, 'Reasons'),
    reasons,
    el(sub, {}, 'Signals'),
    signals,
  ];
}

/** Replaces `container` with the explanation of `decision`. */
export function renderDetail(container, decision, ctx) {
  container.replaceChildren(...decisionNodes(decision, ctx, 2));
}
