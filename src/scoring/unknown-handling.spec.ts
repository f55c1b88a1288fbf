import { Condition, LeafCondition, PolicyRule } from './policy.types';
import { EITHER, fixed, handlesUnknown, holds, Possible, possibleWhen, ruleMatters, signalFactsRead } from './unknown-handling';

// Leaves named for what they can do: T always true, F always false, E either.
const T: LeafCondition = { fact: 'T', operator: 'equal', value: true };
const F: LeafCondition = { fact: 'F', operator: 'equal', value: true };
const E: LeafCondition = { fact: 'E', operator: 'equal', value: true };
const byName = (leaf: LeafCondition): Possible => ({ T: fixed(true), F: fixed(false) })[leaf.fact as 'T' | 'F'] ?? EITHER;

const ALWAYS = fixed(true);
const NEVER = fixed(false);

describe('possibleWhen', () => {
  it.each<[string, Condition, Possible]>([
    ['a leaf', T, ALWAYS],
    ['all of true and false', { all: [T, F] }, NEVER],
    ['all of true and true', { all: [T, T] }, ALWAYS],
    ['all of either and true', { all: [E, T] }, EITHER],
    ['any of true and false', { any: [F, T] }, ALWAYS],
    ['any of false and false', { any: [F, F] }, NEVER],
    ['any of either and false', { any: [E, F] }, EITHER],
    ['not of a true leaf', { not: T }, NEVER],
    ['not of either', { not: E }, EITHER],
    // `any` inside `not`: true only when every branch of the `any` can be false together.
    ['not of any of true and false', { not: { any: [F, T] } }, NEVER],
    ['not of any of false and false', { not: { any: [F, F] } }, ALWAYS],
    ['not of any of either and false', { not: { any: [E, F] } }, EITHER],
    ['not of all of true and false', { not: { all: [T, F] } }, ALWAYS],
    ['not of all of true and true', { not: { all: [T, T] } }, NEVER],
    ['nested: all of (not any of false) and either', { all: [{ not: { any: [F, F] } }, E] }, EITHER],
    ['nested: any of (not all of true) and false', { any: [{ not: { all: [T, T] } }, F] }, NEVER],
  ])('%s', (_name, condition, expected) => {
    expect(possibleWhen(condition, byName)).toEqual(expected);
  });
});

describe('holds', () => {
  it.each<[string, unknown, unknown, boolean]>([
    ['equal', 'UNAVAILABLE', 'UNAVAILABLE', true],
    ['equal', 'UNAVAILABLE', 'OK', false],
    ['notEqual', 'UNAVAILABLE', 'OK', true],
    ['notEqual', 'OK', 'OK', false],
    ['in', 'UNAVAILABLE', ['OK', 'UNAVAILABLE'], true],
    ['in', 'UNAVAILABLE', ['OK'], false],
    ['in', 'UNAVAILABLE', 'UNAVAILABLE', false],
    ['notIn', 'UNAVAILABLE', ['OK'], true],
    ['notIn', 'UNAVAILABLE', ['UNAVAILABLE'], false],
    ['notIn', 'UNAVAILABLE', 'OK', false],
    ['greaterThan', undefined, 0, false],
    ['contains', 'UNAVAILABLE', 'UNAVAILABLE', false],
  ])('%s(%j, %j) is %s', (operator, factValue, value, expected) => {
    expect(holds(operator, factValue, value)).toBe(expected);
  });
});

const status = (operator: string, value: unknown, fact = 'simSwap'): LeafCondition => ({ fact, path: '$.status', operator, value });
const swapped = (operator: string, value: unknown): LeafCondition => ({ fact: 'simSwap', path: '$.swapped', operator, value });
const rule = (conditions: PolicyRule['conditions'], type: PolicyRule['event']['type'] = 'REVIEW', score?: number): PolicyRule => ({
  name: 'r',
  conditions,
  event: { type, params: { code: 'C', message: 'm', ...(score === undefined ? {} : { score }) } },
});

describe('ruleMatters', () => {
  it.each<[string, PolicyRule, boolean]>([
    ['a REVIEW rule', rule({ all: [] }, 'REVIEW'), true],
    ['an ALLOW rule without points', rule({ all: [] }, 'ALLOW'), false],
    ['an ALLOW rule worth 0 points', rule({ all: [] }, 'ALLOW', 0), false],
    ['an ALLOW rule worth 1 point', rule({ all: [] }, 'ALLOW', 1), true],
  ])('%s', (_name, r, expected) => {
    expect(ruleMatters(r)).toBe(expected);
  });
});

describe('handlesUnknown', () => {
  it.each<[string, PolicyRule, boolean]>([
    ['status not OK', rule({ all: [status('notEqual', 'OK')] }), true],
    ['status equal to one unknown status', rule({ all: [status('equal', 'UNAVAILABLE')] }), true],
    ['status in a list of unknown statuses', rule({ any: [status('in', ['UNAVAILABLE', 'NO_COVERAGE'])] }), true],
    ['status in [OK] only', rule({ all: [status('in', ['OK'])] }), false],
    ['status equal OK', rule({ all: [status('equal', 'OK')] }), false],
    ['not (status equal OK)', rule({ not: status('equal', 'OK') }), true],
    ['not (status not OK): a status test wrapped in not', rule({ not: status('notEqual', 'OK') }), false],
    ['status not OK and an answer field', rule({ all: [status('notEqual', 'OK'), swapped('equal', true)] }), false],
    ['status not OK or an answer field', rule({ any: [status('notEqual', 'OK'), swapped('equal', true)] }), true],
    // `any` inside `not`: the `not` fires only when no branch of the `any` does.
    ['not any (status OK, swapped false)', rule({ not: { any: [status('equal', 'OK'), swapped('equal', false)] } }), true],
    ['not any (status OK, swapped not true)', rule({ not: { any: [status('equal', 'OK'), swapped('notEqual', true)] } }), false],
    ['not any (status not OK, another fact)', rule({ not: { any: [status('notEqual', 'OK'), { fact: 'context', path: '$.x', operator: 'equal', value: 1 }] } }), false],
    // Other facts can be anything while this one is unknown: they never stop the rule firing.
    ['status not OK and a request fact', rule({ all: [status('notEqual', 'OK'), { fact: 'context', path: '$.amount', operator: 'greaterThan', value: 1000 }] }), true],
    ["status not OK and another signal's status OK", rule({ all: [status('notEqual', 'OK'), status('equal', 'OK', 'tenure')] }), true],
    // An unknown answer has no fields: a field equal to a status name is still absent.
    ['status not OK and an answer field equal to a status name', rule({ all: [status('notEqual', 'OK'), swapped('equal', 'UNAVAILABLE')] }), false],
    ['status not OK and an answer field in a list of status names', rule({ all: [status('notEqual', 'OK'), swapped('in', ['UNAVAILABLE', 'NOT_SUBSCRIBER'])] }), false],
    ['only an answer field, no status test', rule({ all: [swapped('notEqual', true)] }), false],
    ["another fact's status", rule({ all: [status('notEqual', 'OK', 'tenure')] }), false],
    ['an ALLOW rule worth no points', rule({ all: [status('notEqual', 'OK')] }, 'ALLOW'), false],
    ['an ALLOW rule worth points', rule({ all: [status('notEqual', 'OK')] }, 'ALLOW', 10), true],
  ])('%s', (_name, r, expected) => {
    expect(handlesUnknown(r, 'simSwap')).toBe(expected);
  });
});

describe('signalFactsRead', () => {
  it('names each signal fact with the path of its first use, skipping request facts', () => {
    const condition: Condition = {
      all: [
        { fact: 'context', path: '$.amount', operator: 'greaterThan', value: 1 },
        { any: [status('notEqual', 'OK', 'tenure'), { not: swapped('equal', true) }] },
        status('equal', 'OK'),
        status('equal', 'OK', 'tenure'),
      ],
    };
    expect([...signalFactsRead(condition, '$.rules[0].conditions')]).toEqual([
      ['tenure', '$.rules[0].conditions.all[1].any[0]'],
      ['simSwap', '$.rules[0].conditions.all[1].any[1].not'],
    ]);
  });
});
