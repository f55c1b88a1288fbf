// Per policy: the request inputs it declares (GET /v1/policies/{id}), its shadow candidates' agreement with it (GET /v1/policies/{id}/shadow) and, for
// admin keys and a policy with a registered candidate, a backtest of it on the stored decisions (POST .../backtest).

import { el, matrixTable, table } from './dom.js';

const plural = (count, noun) => `${count} ${noun}${count === 1 ? '' : 's'}`;
const percent = (value) => (value === null || value === undefined ? '–' : `${(value * 100).toFixed(1)}%`);

/** A table that scrolls sideways inside its card on a narrow screen, rather than widening the page. */
const scrolling = (node) => el('div', { class: 'scroll-x' }, node);

function query(range) {
  const q = new URLSearchParams();
  if (range.from) q.set('from', range.from);
  if (range.to) q.set('to', range.to);
  const text = q.toString();
  return text ? `?${text}` : '';
}

function renderShadow(slot, report) {
  if (report.candidates.length === 0) {
    slot.replaceChildren(el('p', { class: 'note' }, `No shadow candidate: add rules/${report.policyId}.candidate.json to run one beside version ${report.activeVersion}.`));
    return;
  }
  slot.replaceChildren(
    ...report.candidates.map((c) =>
      el(
        'div',
        { class: 'candidate' },
        el('p', {}, el('code', {}, c.version), c.running ? ' running · ' : ' stopped · ', `${plural(c.decisions, 'decision')} shadowed · agreement ${percent(c.agreement)}`),
        matrixTable(`Shadow candidate ${c.version}: active outcome against candidate outcome`, c.matrix),
      ),
    ),
  );
}

/** What a field accepts, in a few words: enum, range, length, pattern, unit. */
function allowed(field) {
  const parts = [];
  if (field.enum) parts.push(field.enum.map((v) => JSON.stringify(v)).join(', '));
  if (field.minimum !== undefined) parts.push(`≥ ${field.minimum}`);
  if (field.exclusiveMinimum !== undefined) parts.push(`> ${field.exclusiveMinimum}`);
  if (field.maximum !== undefined) parts.push(`≤ ${field.maximum}`);
  if (field.exclusiveMaximum !== undefined) parts.push(`< ${field.exclusiveMaximum}`);
  if (field.minLength !== undefined || field.maxLength !== undefined) parts.push(`${field.minLength ?? 0}–${field.maxLength ?? '∞'} characters`);
  if (field.pattern) parts.push(`matches ${field.pattern}`);
  if (field['x-unit']) parts.push(`in ${field['x-unit']}`);
  return parts.join('; ') || 'any';
}

/** The request inputs the policy declares (GET /v1/policies/{id}: inputs.context). */
function renderInputs(slot, detail) {
  const context = detail.inputs.context;
  const fields = Object.entries(context.properties ?? {});
  const required = new Set(context.required ?? []);
  const extra = context.additionalProperties === true ? ' Other fields are accepted and stored.' : ' Other fields are refused (400).';
  if (fields.length === 0) {
    slot.replaceChildren(el('p', { class: 'note' }, `Reads no context field.${extra}`));
    return;
  }
  slot.replaceChildren(
    scrolling(
      table(
        `Context fields a request must send for ${detail.id}`,
        ['Field', 'Type', 'Required', 'Accepts', 'Description'],
        fields.map(([name, field]) => [el('code', {}, `context.${name}`), field.type, required.has(name) ? 'required' : 'optional (absent is null)', allowed(field), field.description ?? '']),
      ),
    ),
    el('p', { class: 'note' }, extra.trim()),
  );
}

function renderBacktest(slot, report) {
  const rules = table(
    'Rule hits before and after, on the replayable decisions',
    ['Rule', 'Before', 'After', 'Not replayable'],
    report.rules.map((r) => [el('code', {}, r.rule), String(r.before), String(r.after), String(r.notReplayable)]),
  );
  const labels = report.labels
    ? table(
        `Quality on ${report.labels.labelled} labelled decisions`,
        ['Outcome', 'Precision before → after', 'Recall before → after'],
        Object.keys(report.labels.after).map((o) => [
          o,
          `${percent(report.labels.before[o].precision)} → ${percent(report.labels.after[o].precision)}`,
          `${percent(report.labels.before[o].recall)} → ${percent(report.labels.after[o].recall)}`,
        ]),
      )
    : null;
  slot.replaceChildren(
    el(
      'p',
      {},
      'Candidate ',
      el('code', {}, report.candidateVersion),
      ` replayed on ${plural(report.decisions, 'decision')}, ${report.replayable} fully replayable; ${report.changedCount} would change outcome.`,
    ),
    ...(report.inputsRefused.count > 0
      ? [el('p', { class: 'note' }, `${plural(report.inputsRefused.count, 'decision')} not replayed: the candidate's declared inputs refuse their context (${[...new Set(report.inputsRefused.examples.flatMap((e) => e.fields))].join(', ')}).`)]
      : []),
    matrixTable('Backtest: stored outcome against candidate outcome', report.matrix),
    scrolling(rules),
    ...(labels ? [scrolling(labels)] : []),
  );
}

/**
 * The backtest button, once the shadow report says whether a candidate is registered: the
 * endpoint replays the running candidate only (404 otherwise), and needs an admin key.
 */
function backtestSlot(policy, report, { api, explain, canBacktest, range }) {
  const running = report.candidates.find((c) => c.running);
  if (!running) return [el('p', { class: 'note' }, `No candidate to backtest: add rules/${policy.id}.candidate.json.`)];
  if (!canBacktest) return [el('p', { class: 'note' }, `Candidate ${running.version} can be backtested with an admin key.`)];
  const result = el('div', { class: 'backtest', 'aria-live': 'polite' });
  const button = el('button', { type: 'button', class: 'small' }, 'Run backtest');
  button.addEventListener('click', async () => {
    button.disabled = true;
    result.replaceChildren(el('p', { class: 'note' }, 'Replaying the stored decisions…'));
    try {
      renderBacktest(result, await api(`/v1/policies/${encodeURIComponent(policy.id)}/backtest`, { method: 'POST', body: range }));
    } catch (error) {
      result.replaceChildren(el('p', { class: 'error', role: 'alert' }, explain(error)));
    } finally {
      button.disabled = false;
    }
  });
  return [el('p', { class: 'note' }, `Replays the stored decisions of the chosen time range against candidate ${running.version}; labelled decisions give precision and recall.`), button, result];
}

function policyCard(policy, context) {
  const { api, explain, range } = context;
  const titleId = `policy-${policy.id}`;
  const shadow = el('div', { class: 'shadow' }, el('p', { class: 'note' }, 'Loading the shadow report…'));
  const backtest = el('div', { class: 'backtest-slot' });
  const inputs = el('div', { class: 'inputs' }, el('p', { class: 'note' }, 'Loading the declared inputs…'));
  api(`/v1/policies/${encodeURIComponent(policy.id)}`).then(
    (detail) => renderInputs(inputs, detail),
    (error) => inputs.replaceChildren(el('p', { class: 'error', role: 'alert' }, explain(error))),
  );
  api(`/v1/policies/${encodeURIComponent(policy.id)}/shadow${query(range)}`).then(
    (report) => {
      renderShadow(shadow, report);
      backtest.replaceChildren(...backtestSlot(policy, report, context));
    },
    (error) => shadow.replaceChildren(el('p', { class: 'error', role: 'alert' }, explain(error))),
  );
  return el(
    'article',
    { class: 'policy', 'aria-labelledby': titleId },
    el('h3', { id: titleId }, policy.id),
    el('p', { class: 'meta' }, 'version ', el('code', {}, policy.version), ` · ${policy.rules.length} rules`),
    policy.description ? el('p', { class: 'description' }, policy.description) : null,
    el('h4', {}, 'Request inputs'),
    inputs,
    el('h4', {}, 'Shadow candidates'),
    shadow,
    el('h4', {}, 'Backtest'),
    backtest,
  );
}

/** Replaces `container` with one card per policy; `range` is the filter bar's time range. */
export function renderPolicies(container, policies, context) {
  if (policies === null) {
    container.replaceChildren(el('p', { class: 'note' }, 'This API key cannot read policies (scope policies:read).'));
    return;
  }
  if (policies.length === 0) {
    container.replaceChildren(el('p', { class: 'note' }, 'No policy visible to this API key.'));
    return;
  }
  container.replaceChildren(...policies.map((policy) => policyCard(policy, context)));
}
