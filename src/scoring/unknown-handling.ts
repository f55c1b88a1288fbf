import { SIGNAL_STATUSES } from '../signals/signal.types';
import { leaves } from './conditions';
import { isSignalFact, SignalFactName } from './facts';
import { Condition, LeafCondition, PolicyRule } from './policy.types';

const UNKNOWN_STATUSES = SIGNAL_STATUSES.filter((status) => status !== 'OK');

/** Whether a condition can be true, and whether it can be false, in some situation. */
export interface Possible {
  canBeTrue: boolean;
  canBeFalse: boolean;
}

export const EITHER: Possible = { canBeTrue: true, canBeFalse: true };

/** json-rules-engine's operators on a known fact value, as far as this analysis needs. */
export function holds(operator: string, factValue: unknown, value: unknown): boolean {
  switch (operator) {
    case 'equal':
      return factValue === value;
    case 'notEqual':
      return factValue !== value;
    case 'in':
      return Array.isArray(value) && value.includes(factValue);
    case 'notIn':
      return Array.isArray(value) && !value.includes(factValue);
    default:
      // Ordering and `contains` operators are false on a string status or a missing field.
      return false;
  }
}

export function fixed(result: boolean): Possible {
  return { canBeTrue: result, canBeFalse: !result };
}

/** What a condition can do in a situation, given what each of its leaves can do in it. */
export function possibleWhen(condition: Condition, leaf: (leaf: LeafCondition) => Possible): Possible {
  if ('fact' in condition) return leaf(condition);
  if ('all' in condition) {
    const parts = condition.all.map((c) => possibleWhen(c, leaf));
    return { canBeTrue: parts.every((p) => p.canBeTrue), canBeFalse: parts.some((p) => p.canBeFalse) };
  }
  if ('any' in condition) {
    const parts = condition.any.map((c) => possibleWhen(c, leaf));
    return { canBeTrue: parts.some((p) => p.canBeTrue), canBeFalse: parts.every((p) => p.canBeFalse) };
  }
  const inner = possibleWhen(condition.not, leaf);
  return { canBeTrue: inner.canBeFalse, canBeFalse: inner.canBeTrue };
}

/** Whether firing the rule changes the decision: an action above ALLOW, or points. */
export function ruleMatters(rule: PolicyRule): boolean {
  return rule.event.type !== 'ALLOW' || (rule.event.params.score ?? 0) > 0;
}

/**
 * What a condition can do while `fact`'s answer is unknown: its `status` is one of the non-OK
 * statuses and its answer fields are absent. Other facts can be anything.
 */
function whileUnknown(condition: Condition, fact: SignalFactName): Possible {
  return possibleWhen(condition, (leaf) => leafWhileUnknown(leaf, fact));
}

function leafWhileUnknown(leaf: LeafCondition, fact: SignalFactName): Possible {
  if (leaf.fact !== fact) return EITHER;
  if (leaf.path === '$.status') {
    const results = UNKNOWN_STATUSES.map((status) => holds(leaf.operator, status, leaf.value));
    return { canBeTrue: results.includes(true), canBeFalse: results.includes(false) };
  }
  // An unknown answer has no fields: the path reads undefined.
  return fixed(holds(leaf.operator, undefined, leaf.value));
}

function testsStatus(condition: Condition, fact: SignalFactName): boolean {
  return [...leaves(condition)].some((leaf) => leaf.fact === fact && leaf.path === '$.status');
}

/**
 * Whether the rule says something about `fact`'s answer being unknown: it tests that fact's
 * status, it can fire while the answer is unknown, and firing changes the decision (an action
 * above ALLOW, or points). A status test wrapped in `not`, or ANDed with a test on an answer
 * field, or an ALLOW rule worth 0 points, does not count.
 */
export function handlesUnknown(rule: PolicyRule, fact: SignalFactName): boolean {
  const conditions = rule.conditions as Condition;
  return ruleMatters(rule) && testsStatus(conditions, fact) && whileUnknown(conditions, fact).canBeTrue;
}

/** The signal facts a rule reads, with the JSON path of their first use. */
export function signalFactsRead(condition: Condition, path: string, found = new Map<SignalFactName, string>()): Map<SignalFactName, string> {
  if ('fact' in condition) {
    if (isSignalFact(condition.fact) && !found.has(condition.fact)) found.set(condition.fact, path);
  } else if ('all' in condition) {
    condition.all.forEach((c, i) => signalFactsRead(c, `${path}.all[${i}]`, found));
  } else if ('any' in condition) {
    condition.any.forEach((c, i) => signalFactsRead(c, `${path}.any[${i}]`, found));
  } else {
    signalFactsRead(condition.not, `${path}.not`, found);
  }
  return found;
}
