// One decision's full explanation: what was decided, the rules that fired, every signal query
// with its parameters and answer, and the policy version (its exact text on demand).

import { badge, compact, el, formatTime, table } from './dom.js';

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

/** Replaces `container` with the explanation of `decision` (GET /v1/decisions/{id}). */
export function renderDetail(container, decision, api, explain) {
  const policy = policyText(decision, api, explain);
  const reasons = decision.reasons.length
    ? table(
        'Rules that fired, in the order the policy applied them',
        ['Rule', 'Code', 'Action', 'Message'],
        decision.reasons.map((r) => [el('code', {}, r.rule), el('code', {}, r.code), badge(r.action), r.message]),
        'grid-table reasons',
      )
    : el('p', { class: 'note' }, 'No rule fired: the policy answered its default outcome.');
  const signals = decision.signals.length
    ? table(
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
      )
    : el('p', { class: 'note' }, 'No signal was queried: request facts alone decided.');

  container.replaceChildren(
    el('h2', { id: 'detail-title' }, 'Decision ', el('code', { class: 'id' }, decision.id)),
    el(
      'dl',
      { class: 'facts' },
      fact('Outcome', badge(decision.outcome), ` score ${decision.score}`),
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
    el('h3', {}, 'Reasons'),
    reasons,
    el('h3', {}, 'Signals'),
    signals,
  );
}
