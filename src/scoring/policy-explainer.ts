import { calendarDaysBefore } from '../common/time/clock';
import { signalLeaves } from './conditions';
import { isSignalFact, SIGNAL_FACTS } from './facts';
import { Condition, LeafCondition, PolicyDocument } from './policy.types';

const OPERATORS: Record<string, string> = {
  equal: 'is',
  notEqual: 'is not',
  lessThan: '<',
  lessThanInclusive: '<=',
  greaterThan: '>',
  greaterThanInclusive: '>=',
  in: 'is one of',
  notIn: 'is not one of',
  contains: 'contains',
  doesNotContain: 'does not contain',
};

/** The operator question behind a signal fact and its params, in CAMARA terms. */
export function describeQuery(fact: string, params: Record<string, unknown> = {}, now = new Date()): string {
  switch (fact) {
    case 'tenure':
      return `KYC Tenure check-tenure, tenureDate = today - ${String(params.days)} days (today: ${calendarDaysBefore(now, Number(params.days))})`;
    case 'numberRecycling':
      return params.days === undefined
        ? 'Number Recycling check, specifiedDate = the request\'s trustedSince'
        : `Number Recycling check, specifiedDate = today - ${String(params.days)} days`;
    case 'simSwap':
      return `SIM Swap check, maxAge ${String(params.maxAge)} h`;
    case 'deviceSwap':
      return `Device Swap check, maxAge ${String(params.maxAge)} h`;
    default:
      return fact;
  }
}

function leafText(leaf: LeafCondition): string {
  const subject = isSignalFact(leaf.fact)
    ? `${leaf.fact}${leaf.params ? JSON.stringify(leaf.params) : ''} ${(leaf.path ?? '$').slice(2)}`
    : `${leaf.fact}${leaf.path ? leaf.path.slice(1) : ''}`;
  return `${subject} ${OPERATORS[leaf.operator] ?? leaf.operator} ${JSON.stringify(leaf.value)}`;
}

function conditionText(condition: Condition): string {
  if ('fact' in condition) return leafText(condition);
  if ('all' in condition) return condition.all.map((c) => wrap(c)).join(' AND ');
  if ('any' in condition) return condition.any.map((c) => wrap(c)).join(' OR ');
  return `NOT ${wrap(condition.not)}`;
}

function wrap(condition: Condition): string {
  return 'fact' in condition ? conditionText(condition) : `(${conditionText(condition)})`;
}

/** The request inputs a policy declares, a line per context field. */
function inputLines(policy: PolicyDocument): string[] {
  const context = policy.inputs?.context;
  const fields = Object.entries(context?.properties ?? {});
  const extra = context?.additionalProperties === true ? 'other fields are accepted and stored' : 'any other field is refused';
  if (fields.length === 0) return [`Request inputs: none (${extra}).`];
  const required = new Set(context?.required ?? []);
  return [
    `Request inputs (context; ${extra}):`,
    ...fields.map(([name, field]) => {
      const limits = [
        field['x-unit'] && `in ${field['x-unit']}`,
        field.enum && `one of ${field.enum.map((v) => JSON.stringify(v)).join(', ')}`,
        field.minimum !== undefined && `>= ${field.minimum}`,
        field.exclusiveMinimum !== undefined && `> ${field.exclusiveMinimum}`,
        field.maximum !== undefined && `<= ${field.maximum}`,
        field.exclusiveMaximum !== undefined && `< ${field.exclusiveMaximum}`,
        field.pattern !== undefined && `matching ${field.pattern}`,
      ].filter(Boolean);
      const presence = required.has(name) ? 'required' : 'optional (null when absent)';
      return `  - context.${name}: ${[field.type, ...limits].join(', ')}; ${presence}`;
    }),
  ];
}

/** A readable summary of a policy: what it reads from the request and asks the operator, what each rule does. */
export function explainPolicy(policy: PolicyDocument, version: string): string {
  const lines = [`Policy ${policy.id} (version ${version})`];
  if (policy.description) lines.push(policy.description);
  lines.push('', ...inputLines(policy));
  const leaves = policy.rules.flatMap((rule) => [...signalLeaves(rule.conditions as Condition)]);
  const asked = new Set(leaves.map((leaf) => describeQuery(leaf.fact, leaf.params)));
  lines.push('', 'Operator questions (each asked at most once per decision, only when a rule needs it):');
  for (const query of asked) lines.push(`  - ${query}`);
  const unused = Object.keys(SIGNAL_FACTS).filter((fact) => !leaves.some((leaf) => leaf.fact === fact));
  if (unused.length) lines.push(`  (never asked: ${unused.join(', ')})`);
  const t = policy.scoreThresholds ?? {};
  const thresholds = Object.entries(t).map(([action, score]) => `${action} at ${score}`);
  lines.push('', `Outcome: the most severe fired action, or the score threshold reached (${thresholds.join(', ') || 'none'}); score = sum of points, capped at 100.`);
  lines.push('', 'Rules:');
  for (const rule of policy.rules) {
    const { type, params } = rule.event;
    const priority = rule.priority && rule.priority !== 1 ? ` [priority ${rule.priority}]` : '';
    lines.push(`  ${rule.name}${priority}: ${type} ${params.code}${params.score ? ` (+${params.score})` : ''}`);
    lines.push(`    when ${conditionText(rule.conditions as Condition)}`);
    if (rule.description) lines.push(`    why: ${rule.description}`);
  }
  return lines.join('\n');
}
