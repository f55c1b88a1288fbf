import { PolicyInvalidError } from './policy-invalid.error';
import { validatePolicyText } from './policy-validator';

const FILE = '/some/dir/demo.json';

/** Policies are built loosely so each test can break them in its own way. */
type Json = Record<string, any>;

function leaf(fact: string, path: string, params?: Json, extra: Json = {}): Json {
  return { fact, ...(params ? { params } : {}), path, operator: 'equal', value: true, ...extra };
}

/**
 * A minimal valid policy: one rule reads simSwap, another tests its status.
 * Mutations below target `rules[0].conditions.all[0]` unless stated.
 */
function validPolicy(): Json {
  return {
    id: 'demo',
    rules: [
      {
        name: 'sim-swapped',
        conditions: { all: [leaf('simSwap', '$.swapped', { maxAge: 24 })] },
        event: { type: 'BLOCK', params: { code: 'SIM_SWAPPED', message: 'SIM changed in 24 h.' } },
      },
      {
        name: 'sim-swap-unknown',
        conditions: { all: [leaf('simSwap', '$.status', { maxAge: 24 }, { operator: 'notEqual', value: 'OK' })] },
        event: { type: 'CHALLENGE', params: { code: 'SIM_SWAP_UNVERIFIED', message: 'Not checked.', score: 20 } },
      },
    ],
  };
}

function problemOf(text: string, file = FILE): PolicyInvalidError {
  try {
    validatePolicyText(text, file);
  } catch (error) {
    expect(error).toBeInstanceOf(PolicyInvalidError);
    return error as PolicyInvalidError;
  }
  throw new Error('the policy was accepted');
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** The message names the file, then the JSON path inside it with the reason on the same line. */
function expectRefused(text: string, path: string, reason: RegExp, file = FILE): void {
  const error = problemOf(text, file);
  expect(error.file).toBe(file);
  expect(error.message.startsWith(`${file}: invalid policy\n`)).toBe(true);
  expect(error.message).toMatch(new RegExp(`^  ${escape(path)}: .*${reason.source}`, 'm'));
  expect(error.problems).toContainEqual({ path, message: expect.stringMatching(reason) });
}

describe('validatePolicyText', () => {
  it('accepts a valid minimal policy and returns its document', () => {
    const policy = validPolicy();
    expect(validatePolicyText(JSON.stringify(policy), FILE)).toEqual(policy);
  });

  it('accepts a policy using every kind of fact, with thresholds increasing', () => {
    const policy = validPolicy();
    policy.scoreThresholds = { CHALLENGE: 30, REVIEW: 60, BLOCK: 90 };
    policy.inputs = { context: { type: 'object', properties: { amount: { type: 'number' } }, required: ['amount'] } };
    policy.rules[0].conditions = {
      any: [
        leaf('tenure', '$.tenureDateCheck', { days: 30 }),
        { not: leaf('tenure', '$.status', { days: 30 }) },
        { all: [leaf('numberRecycling', '$.phoneNumberRecycled', {}), leaf('numberRecycling', '$.status', { days: 7 })] },
        leaf('deviceSwap', '$.swapped', { maxAge: 2400 }),
        leaf('deviceSwap', '$.status', { maxAge: 1 }),
        { fact: 'context', path: '$.amount', operator: 'greaterThan', value: 10 },
        { fact: 'useCase', operator: 'equal', value: 'demo' },
      ],
    };
    expect(() => validatePolicyText(JSON.stringify(policy), FILE)).not.toThrow();
  });

  it('refuses text that is not JSON, at $', () => {
    expectRefused('{"id": "demo", "rules": [', '$', /not valid JSON/);
  });

  it.each<[string, (p: Json) => void, string, RegExp]>([
    ['an unknown top-level property', (p) => (p.owner = 'fraud-team'), '$', /unknown property "owner"/],
    ['an unknown fact', (p) => (p.rules[0].conditions.all[0].fact = 'lineAge'), '$.rules[0].conditions.all[0].fact', /must be one of "tenure"/],
    ['an unknown operator', (p) => (p.rules[0].conditions.all[0].operator = 'like'), '$.rules[0].conditions.all[0].operator', /must be one of "equal"/],
    ['an unknown action in event.type', (p) => (p.rules[1].event.type = 'DENY'), '$.rules[1].event.type', /must be one of "ALLOW", "CHALLENGE", "REVIEW", "BLOCK"/],
    ['a missing event.params.code', (p) => delete p.rules[0].event.params.code, '$.rules[0].event.params', /required property 'code'/],
    ['simSwap maxAge 0 (CAMARA minimum is 1)', (p) => (p.rules[0].conditions.all[0].params.maxAge = 0), '$.rules[0].conditions.all[0].params.maxAge', /must be >= 1/],
    ['simSwap maxAge 2401 (CAMARA maximum is 2400)', (p) => (p.rules[0].conditions.all[0].params.maxAge = 2401), '$.rules[0].conditions.all[0].params.maxAge', /must be <= 2400/],
    [
      'a nested condition with a bad maxAge, at its nested path',
      (p) => (p.rules[0].conditions = { any: [{ not: leaf('simSwap', '$.swapped', { maxAge: 0 }) }] }),
      '$.rules[0].conditions.any[0].not.params.maxAge',
      /must be >= 1/,
    ],
    [
      'tenure with an unknown param',
      (p) => p.rules[1].conditions.all.push(leaf('tenure', '$.status', { days: 30, months: 1 })),
      '$.rules[1].conditions.all[1].params',
      /unknown property "months"/,
    ],
    [
      'a path the fact does not have',
      (p) => p.rules[1].conditions.all.push(leaf('tenure', '$.tenureDateChek', { days: 30 })),
      '$.rules[1].conditions.all[1].path',
      /must be one of "\$\.status", "\$\.tenureDateCheck", "\$\.contractType"/,
    ],
  ])('refuses %s', (_title, mutate, path, reason) => {
    const policy = validPolicy();
    mutate(policy);
    expectRefused(JSON.stringify(policy), path, reason);
  });

  it('refuses duplicate rule names, at the second one, naming the first', () => {
    const policy = validPolicy();
    policy.rules[1].name = 'sim-swapped';
    expectRefused(JSON.stringify(policy), '$.rules[1].name', /duplicate rule name "sim-swapped" \(also \$\.rules\[0\]\)/);
  });

  it('refuses a signal fact read when no rule tests its "$.status"', () => {
    const policy = validPolicy();
    policy.rules.pop();
    expectRefused(JSON.stringify(policy), '$.rules[0].conditions.all[0]', /reads "simSwap" but no rule says what an unknown simSwap answer means/);
  });

  it('refuses each signal read without a status test, even when another signal tests its own', () => {
    const policy = validPolicy();
    policy.rules[0].conditions.all.push(leaf('tenure', '$.tenureDateCheck', { days: 30 }));
    expectRefused(JSON.stringify(policy), '$.rules[0].conditions.all[1]', /reads "tenure" but no rule says what an unknown tenure answer means/);
  });

  it.each<[string, (p: Json) => void]>([
    ['wrapped in not', (p) => (p.rules[1].conditions = { not: leaf('simSwap', '$.status', { maxAge: 24 }, { operator: 'notEqual', value: 'OK' }) })],
    ['ANDed with a test on an answer field', (p) => p.rules[1].conditions.all.push(leaf('simSwap', '$.swapped', { maxAge: 24 }, { value: false }))],
    ['in an ALLOW rule worth no points', (p) => Object.assign(p.rules[1].event, { type: 'ALLOW', params: { code: 'X', message: 'x', score: 0 } })],
  ])('refuses a status test that cannot change the decision on an unknown answer: %s', (_label, mutate) => {
    const policy = validPolicy();
    mutate(policy);
    expectRefused(JSON.stringify(policy), '$.rules[0].conditions.all[0]', /reads "simSwap" but no rule says what an unknown simSwap answer means/);
  });

  it.each<[string, string, unknown]>([
    ['in', 'in', 'PAYM'],
    ['notIn', 'notIn', 'PAYM'],
    ['greaterThan', 'greaterThan', '1000'],
  ])('refuses %s with a value of the wrong type (it would throw on every decision)', (_label, operator, value) => {
    const policy = validPolicy();
    policy.rules[0].conditions.all.push({ fact: 'context', path: '$.amount', operator, value });
    expectRefused(JSON.stringify(policy), '$.rules[0].conditions.all[1].value', /must be (array|number)/);
  });

  it('refuses a status test that only matches "OK": it says nothing about unknown answers', () => {
    const policy = validPolicy();
    policy.rules[1].conditions.all[0] = leaf('simSwap', '$.status', { maxAge: 24 }, { operator: 'equal', value: 'OK' });
    expectRefused(JSON.stringify(policy), '$.rules[0].conditions.all[0]', /reads "simSwap" but no rule says what an unknown simSwap answer means/);
  });

  it.each([
    ['equal', 'UNAVAILABLE'],
    ['in', ['NOT_SUBSCRIBER', 'UNAVAILABLE']],
    ['notIn', ['OK']],
  ])('accepts a status test %s %j as handling unknown answers', (operator, value) => {
    const policy = validPolicy();
    policy.rules[1].conditions.all[0] = leaf('simSwap', '$.status', { maxAge: 24 }, { operator, value });
    expect(() => validatePolicyText(JSON.stringify(policy), FILE)).not.toThrow();
  });

  it('refuses an id different from the file name', () => {
    expectRefused(JSON.stringify(validPolicy()), '$.id', /must equal the file name "onboarding" \(got "demo"\)/, '/some/dir/onboarding.json');
  });

  it.each<[string, Json, string, RegExp]>([
    ['equal scores', { CHALLENGE: 50, REVIEW: 50 }, '$.scoreThresholds.REVIEW', /must be above CHALLENGE's 50/],
    ['a decreasing score', { CHALLENGE: 30, REVIEW: 60, BLOCK: 40 }, '$.scoreThresholds.BLOCK', /must be above REVIEW's 60/],
    ['a gap in the actions set', { CHALLENGE: 70, BLOCK: 70 }, '$.scoreThresholds.BLOCK', /must be above CHALLENGE's 70/],
  ])('refuses scoreThresholds not increasing: %s', (_title, scoreThresholds, path, reason) => {
    expectRefused(JSON.stringify({ ...validPolicy(), scoreThresholds }), path, reason);
  });

  it('reports every problem of a file at once', () => {
    const policy = validPolicy();
    policy.id = 'other';
    policy.rules[1].name = 'sim-swapped';
    const error = problemOf(JSON.stringify(policy));
    expect(error.problems.map((p) => p.path).sort()).toEqual(['$.id', '$.rules[1].name']);
  });
});
