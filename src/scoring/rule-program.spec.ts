import fc from 'fast-check';
import { referenceRun } from './reference-engine';
import { ACTIONS } from './actions';
import { SignalFactName } from './facts';
import { decideOutcome } from './outcome';
import { Condition, LeafCondition, PolicyRule } from './policy.types';
import { RequestFactValues, resolvePath, RuleProgram, SignalSource } from './rule-program';
import type { SignalFactValue } from './signal-collector';

// Differential test: the compiled RuleProgram against json-rules-engine, the policy language's
// reference semantics, on generated policies, requests and operator answers.

const SIGNAL_PARAMS: Record<SignalFactName, Record<string, unknown>[]> = {
  tenure: [{ days: 30 }, { days: 365 }],
  numberRecycling: [{}, { days: 90 }],
  simSwap: [{ maxAge: 24 }, { maxAge: 240 }],
  deviceSwap: [{ maxAge: 24 }],
};
const SIGNAL_PATHS: Record<SignalFactName, string[]> = {
  tenure: ['$.status', '$.tenureDateCheck', '$.contractType'],
  numberRecycling: ['$.status', '$.phoneNumberRecycled'],
  simSwap: ['$.status', '$.swapped'],
  deviceSwap: ['$.status', '$.swapped'],
};
const SIGNALS = Object.keys(SIGNAL_PARAMS) as SignalFactName[];
const OPERATORS = ['equal', 'notEqual', 'in', 'notIn', 'contains', 'doesNotContain', 'lessThan', 'lessThanInclusive', 'greaterThan', 'greaterThanInclusive'];

/** Values of every JSON type that facts and rules hold, so comparisons cross types too. */
const scalar = fc.oneof(
  fc.constantFrom('OK', 'UNAVAILABLE', 'PAYG', 'PAYM', 'EUR', 'onboarding', '2024-01-01', '12abc', ''),
  fc.integer({ min: -5, max: 200_000 }),
  fc.constantFrom(0, 30, 100_000, 1.5),
  fc.boolean(),
  fc.constant(null),
);
const value = fc.oneof({ weight: 4, arbitrary: scalar }, { weight: 1, arbitrary: fc.array(scalar, { maxLength: 3 }) });

const signalRead = fc
  .constantFrom(...SIGNALS)
  .chain((fact) => fc.record({ fact: fc.constant(fact), params: fc.constantFrom(...SIGNAL_PARAMS[fact]), path: fc.constantFrom(...SIGNAL_PATHS[fact]) }));
const requestRead = fc.oneof(
  fc.record({ fact: fc.constant('context'), path: fc.constantFrom('$.amount', '$.currency', '$.tags', '$.absent', '$.nested.deep') }),
  fc.record({ fact: fc.constantFrom('trustedSince', 'useCase') }),
  fc.record({ fact: fc.constant('context') }),
);
const read = fc.oneof({ weight: 2, arbitrary: signalRead }, { weight: 2, arbitrary: requestRead });

const leaf: fc.Arbitrary<LeafCondition> = fc
  .record({
    read,
    operator: fc.constantFrom(...OPERATORS),
    value: fc.oneof({ weight: 6, arbitrary: value }, { weight: 1, arbitrary: read }),
    priority: fc.option(fc.integer({ min: 1, max: 12 }), { nil: undefined }),
  })
  .map(({ read: r, operator, value: v, priority }) => {
    // json-rules-engine's in/notIn call indexOf on the value: the policy schema requires a list.
    const listed = operator === 'in' || operator === 'notIn' ? (Array.isArray(v) ? v : [v]) : v;
    return { ...r, operator, value: listed, ...(priority ? { priority } : {}) } as LeafCondition;
  });

const { condition } = fc.letrec<{ condition: Condition; group: Condition }>((tie) => ({
  condition: fc.oneof({ depthSize: 'small', withCrossShrink: true }, leaf, tie('group')),
  group: fc.oneof(
    fc.record({ all: fc.array(tie('condition'), { minLength: 1, maxLength: 4 }), priority: fc.option(fc.integer({ min: 1, max: 3 }), { nil: undefined }) }),
    fc.record({ any: fc.array(tie('condition'), { minLength: 1, maxLength: 4 }), priority: fc.option(fc.integer({ min: 1, max: 3 }), { nil: undefined }) }),
    fc.record({ not: tie('condition') }),
  ).map((group) => Object.fromEntries(Object.entries(group).filter(([, v]) => v !== undefined)) as Condition),
}));

const rule = fc.record({
  conditions: fc.oneof(
    fc.record({ all: fc.array(condition, { minLength: 1, maxLength: 4 }) }),
    fc.record({ any: fc.array(condition, { minLength: 1, maxLength: 4 }) }),
    fc.record({ not: condition }),
  ),
  priority: fc.option(fc.integer({ min: 1, max: 4 }), { nil: undefined }),
  type: fc.constantFrom(...ACTIONS),
  score: fc.integer({ min: 0, max: 60 }),
});

const rules: fc.Arbitrary<PolicyRule[]> = fc.array(rule, { minLength: 1, maxLength: 8 }).map((list) =>
  list.map((r, i) => ({
    name: `r${i}`,
    ...(r.priority ? { priority: r.priority } : {}),
    conditions: r.conditions as PolicyRule['conditions'],
    event: { type: r.type, params: { code: `C${i}`, message: `rule ${i}`, score: r.score } },
  })),
);

const answer: fc.Arbitrary<SignalFactValue> = fc.oneof(
  fc.record({ status: fc.constant('OK'), tenureDateCheck: fc.boolean(), contractType: fc.constantFrom('PAYG', 'PAYM', 'Business'), swapped: fc.boolean(), phoneNumberRecycled: fc.boolean() }),
  fc.record({ status: fc.constantFrom('UNAVAILABLE', 'NOT_SUBSCRIBER', 'MISSING_INPUT', 'CONSENT_PENDING'), reason: fc.constant('generated') }),
) as fc.Arbitrary<SignalFactValue>;

/** Operator answers per query, each given back at once, after a microtask or after a timer. */
const world = fc.record({
  answers: fc.array(answer, { minLength: 8, maxLength: 8 }),
  timing: fc.array(fc.constantFrom('sync', 'microtask', 'timer'), { minLength: 8, maxLength: 8 }),
  request: fc.record({
    useCase: fc.constantFrom('onboarding', 'p2p_recipient'),
    trustedSince: fc.constantFrom(null, '2024-01-01'),
    context: fc.record(
      { amount: fc.oneof(fc.constantFrom(0, 30, 100_000, '30'), fc.integer({ min: 0, max: 300_000 }), fc.constant('5,000'), fc.constant(null)), currency: fc.constantFrom('EUR', 'GBP', null), tags: fc.array(scalar, { maxLength: 3 }), nested: fc.constant({ deep: 1 }) },
      { requiredKeys: [], noNullPrototype: true },
    ),
  }),
});

/** A signal source answering from the generated world, which remembers the queries asked. */
function sourceFor({ answers, timing }: { answers: SignalFactValue[]; timing: string[] }) {
  const asked = new Set<string>();
  const source: SignalSource = {
    resolve(fact, params) {
      const key = `${fact}:${JSON.stringify(params)}`;
      asked.add(key);
      const i = SIGNALS.indexOf(fact) * 2 + SIGNAL_PARAMS[fact].findIndex((p) => JSON.stringify(p) === JSON.stringify(params));
      const value = answers[i];
      if (timing[i] === 'sync') return value;
      if (timing[i] === 'microtask') return Promise.resolve(value);
      return new Promise((resolve) => setTimeout(() => resolve(value), i % 3));
    },
  };
  return { source, asked };
}

describe('RuleProgram matches json-rules-engine', () => {
  it('fires and skips the same rules and asks the same operator questions, on generated policies and requests', async () => {
    await fc.assert(
      fc.asyncProperty(rules, world, async (policyRules, w) => {
        const request = w.request as unknown as RequestFactValues;
        const reference = sourceFor(w);
        const expected = await referenceRun(policyRules, reference.source, request);
        const compiled = sourceFor(w);
        const actual = await new RuleProgram(policyRules).run(compiled.source, request);
        expect([...actual.fired].sort((a, b) => a - b)).toEqual(expected.fired);
        expect([...actual.failed].sort((a, b) => a - b)).toEqual(expected.failed);
        expect([...compiled.asked].sort()).toEqual([...reference.asked].sort());
        // The events json-rules-engine emits are the fired rules' events, and the explanation a
        // decision stores (outcome, score, reasons) follows from them.
        const order = (event: { params?: Record<string, unknown> }) => Number(String(event.params?.code).slice(1));
        const events = [...expected.events].sort((a, b) => order(a) - order(b));
        expect(actual.fired.sort((a, b) => a - b).map((i) => policyRules[i].event)).toEqual(events);
        const explain = (fired: number[]) => decideOutcome(fired.map((i) => policyRules[i]), { CHALLENGE: 30, REVIEW: 60, BLOCK: 90 });
        expect(explain(actual.fired)).toEqual(explain(expected.fired));
      }),
      { numRuns: 400 },
    );
  });
});

describe('RuleProgram operators', () => {
  // Every operator on every pair from a small pool holding the boundaries (equal numbers, a
  // number and its string, null, lists): one rule per pair, checked against json-rules-engine.
  const POOL: unknown[] = [0, 30, 30.5, '30', '30abc', 'PAYG', '', null, true, false, [30, 'PAYG'], []];
  it.each(POOL.map((fact) => [JSON.stringify(fact), fact]))('compares a fact of %s with every operator and value as json-rules-engine does', async (_name, fact) => {
    const policyRules: PolicyRule[] = OPERATORS.flatMap((operator) =>
      POOL.filter((v) => !['in', 'notIn'].includes(operator) || Array.isArray(v)).map((v) => ({ operator, value: v })),
    ).map(({ operator, value: v }, i) => ({
      name: `r${i}`,
      conditions: { all: [{ fact: 'context', path: '$.x', operator, value: v }] },
      event: { type: 'ALLOW', params: { code: `C${i}`, message: '', score: 0 } },
    }));
    // A request's context is parsed from its own JSON: it never shares an object with the policy.
    const request = { useCase: 'u', trustedSince: null, context: { x: structuredClone(fact) } } as RequestFactValues;
    const source: SignalSource = { resolve: () => ({ status: 'OK' }) };
    const expected = await referenceRun(policyRules, source, request);
    const actual = await new RuleProgram(policyRules).run(source, request);
    expect(actual.fired).toEqual(expected.fired);
    expect(expected.fired.length).toBeGreaterThan(0);
  });
});

describe('resolvePath', () => {
  it.each<[string, unknown, string, unknown]>([
    ['a nested field', { a: { b: 2 } }, '$.a.b', 2],
    ['a field holding null', { a: null }, '$.a', null],
    ['a missing field', { a: 1 }, '$.b', undefined],
    ['a field under null', { a: null }, '$.a.b', undefined],
    ['a field under a number', { a: 5 }, '$.a.b', undefined],
    // A string has own properties (length, its indexes): a path never reads into one.
    ['the length of a string', { currency: 'EUR' }, '$.currency.length', undefined],
    ['a field the object only inherits', { a: {} }, '$.a.toString', undefined],
  ])('reads %s', (_name, value, path, expected) => {
    expect(resolvePath(value, path)).toBe(expected);
  });
});

describe('RuleProgram', () => {
  const REQUEST = { useCase: 'onboarding', trustedSince: null, context: { amount: 2000, currency: 'EUR' } } as RequestFactValues;
  const OK_SOURCE: SignalSource = { resolve: () => ({ status: 'OK', swapped: true, tenureDateCheck: false }) };
  const ruleOf = (conditions: PolicyRule['conditions'], priority?: number): PolicyRule => ({
    name: 'r',
    ...(priority ? { priority } : {}),
    conditions,
    event: { type: 'REVIEW', params: { code: 'C', message: 'm' } },
  });
  const amountOver = (value: number): LeafCondition => ({ fact: 'context', path: '$.amount', operator: 'greaterThan', value });
  const simSwapped: LeafCondition = { fact: 'simSwap', params: { maxAge: 24 }, path: '$.swapped', operator: 'equal', value: true };
  const newLine: LeafCondition = { fact: 'tenure', params: { days: 30 }, path: '$.tenureDateCheck', operator: 'equal', value: false };
  /** The SIM swap first; the tenure only once the swap is known (condition priorities). */
  const swapThenTenure: PolicyRule['conditions'] = { all: [{ ...simSwapped, priority: 2 }, { all: [newLine], priority: 1 }] };

  /** A source whose every answer waits for the test to give (or refuse) it; `asked` lists the facts in the order asked. */
  function deferredSource() {
    const pending = new Map<string, { resolve: (value: SignalFactValue) => void; reject: (error: Error) => void }>();
    const asked: string[] = [];
    const source: SignalSource = {
      resolve: (fact) => {
        asked.push(fact);
        return new Promise((resolve, reject) => pending.set(fact, { resolve, reject }));
      },
    };
    return { source, asked, answer: (fact: string) => pending.get(fact)! };
  }

  /** Fires each condition as a one-rule policy, and checks json-rules-engine agrees. */
  async function fires(conditions: PolicyRule['conditions'], request = REQUEST, source = OK_SOURCE): Promise<boolean> {
    const rules = [ruleOf(conditions)];
    const { fired } = await new RuleProgram(rules).run(source, request);
    expect(fired).toEqual((await referenceRun(rules, source, request)).fired);
    return fired.length === 1;
  }

  it.each<[string, PolicyRule['conditions'], boolean]>([
    ['an empty all', { all: [] }, true],
    ['an empty any', { any: [] }, true],
    ['not of an empty any', { not: { any: [] } }, false],
    ['an empty any beside a false condition', { all: [{ any: [] }, amountOver(5000)] }, false],
    ['an empty any beside a true condition', { all: [{ any: [] }, amountOver(1000)] }, true],
  ])('treats %s as json-rules-engine does', async (_name, conditions, expected) => {
    expect(await fires(conditions)).toBe(expected);
  });

  it.each<[string, unknown, LeafCondition, boolean]>([
    ['a date string, read whole', '2024-01-01', { fact: 'trustedSince', path: '$.date', operator: 'equal', value: '2024-01-01' }, true],
    ['a date string, not read as missing', '2024-01-01', { fact: 'trustedSince', path: '$.date', operator: 'notEqual', value: '2024-01-01' }, false],
    ['null, read as null', null, { fact: 'trustedSince', path: '$.date', operator: 'equal', value: null }, true],
  ])('reads a path on a fact that is not an object (%s) as the fact itself', async (_name, trustedSince, leaf, expected) => {
    expect(await fires({ all: [leaf] }, { ...REQUEST, trustedSince })).toBe(expected);
  });

  it.each([null, undefined])('compares with a %s value rather than reading it as a fact reference', async (value) => {
    const request = { ...REQUEST, context: { amount: value } };
    expect(await fires({ all: [{ fact: 'context', path: '$.amount', operator: 'equal', value }] }, request)).toBe(true);
  });

  it('refuses a condition with an unknown operator when compiled, naming it', () => {
    expect(() => new RuleProgram([ruleOf({ all: [{ fact: 'context', path: '$.amount', operator: 'startsWith', value: 1 }] })])).toThrow(
      'unknown operator startsWith',
    );
  });

  it('refuses a condition on an unknown fact when compiled, naming it', () => {
    expect(() => new RuleProgram([ruleOf({ all: [{ fact: 'income', operator: 'greaterThan', value: 1 }] })])).toThrow('undefined fact: income');
  });

  it.each([
    ['given at once', (value: SignalFactValue) => value],
    ['after a while', (value: SignalFactValue) => new Promise<SignalFactValue>((resolve) => setTimeout(() => resolve(value), 1))],
  ])('asks each distinct query once per run, however many rules and conditions read it (answers %s)', async (_name, answer) => {
    const resolve = jest.fn((_fact: SignalFactName, _params: Record<string, unknown>) => answer({ status: 'OK', swapped: true, tenureDateCheck: false }));
    const simStatus: LeafCondition = { fact: 'simSwap', params: { maxAge: 24 }, path: '$.status', operator: 'notEqual', value: 'OK' };
    const program = new RuleProgram([
      ruleOf({ all: [simSwapped, newLine] }, 2),
      ruleOf({ any: [simStatus, { not: simSwapped }] }, 2),
      ruleOf({ all: [newLine, { fact: 'simSwap', params: { maxAge: 240 }, path: '$.swapped', operator: 'equal', value: true }] }),
    ]);
    const first = await program.run({ resolve }, REQUEST);
    expect(first).toEqual({ fired: [0, 2], failed: [1] });
    expect(resolve.mock.calls.map(([fact, params]) => `${fact} ${JSON.stringify(params)}`).sort()).toEqual([
      'simSwap {"maxAge":240}',
      'simSwap {"maxAge":24}',
      'tenure {"days":30}',
    ]);
    // A second run asks again: answers are per run, never shared.
    await program.run({ resolve }, REQUEST);
    expect(resolve).toHaveBeenCalledTimes(6);
  });

  it('rejects the run when a signal fails, as json-rules-engine does, and settles once', async () => {
    const failure = new Error('replay store unreadable');
    const rules = [ruleOf({ all: [simSwapped] }, 2), ruleOf({ all: [{ fact: 'tenure', params: { days: 30 }, path: '$.tenureDateCheck', operator: 'equal', value: false }] })];
    const source: SignalSource = { resolve: (fact) => (fact === 'simSwap' ? Promise.reject(failure) : { status: 'OK', tenureDateCheck: false }) };
    await expect(referenceRun(rules, source, REQUEST)).rejects.toBe(failure);
    await expect(new RuleProgram(rules).run(source, REQUEST)).rejects.toBe(failure);
  });

  it.each([
    ['RuleProgram', (rules: PolicyRule[], source: SignalSource) => new RuleProgram(rules).run(source, REQUEST)],
    ['json-rules-engine', (rules: PolicyRule[], source: SignalSource) => referenceRun(rules, source, REQUEST)],
  ])('%s goes on with a condition as soon as its own signal arrives, not once every signal in flight has', async (_name, runner) => {
    // The rule reading the SIM swap asks the tenure next as soon as the swap is known, while the
    // device swap (another rule) is still pending. Waiting for every signal in flight would
    // spend the decision's deadline on the slowest one first.
    const { source, asked, answer } = deferredSource();
    const rules = [
      ruleOf(swapThenTenure),
      ruleOf({ all: [{ fact: 'deviceSwap', params: { maxAge: 24 }, path: '$.swapped', operator: 'equal', value: true }] }),
    ];
    const running = runner(rules, source);
    const settle = () => new Promise((resolve) => setImmediate(resolve));
    await settle();
    expect([...asked].sort()).toEqual(['deviceSwap', 'simSwap']);
    answer('simSwap').resolve({ status: 'OK', swapped: true });
    await settle();
    expect(asked.slice(2)).toEqual(['tenure']);
    answer('tenure').resolve({ status: 'OK', tenureDateCheck: false });
    answer('deviceSwap').resolve({ status: 'OK', swapped: false });
    const { fired, failed } = await running;
    expect({ fired, failed }).toEqual({ fired: [0], failed: [1] });
  });

  it('decides nothing for a policy without rules: none fired, none failed, nothing asked', async () => {
    const resolve = jest.fn(OK_SOURCE.resolve);
    expect(await new RuleProgram([]).run({ resolve }, REQUEST)).toEqual({ fired: [], failed: [] });
    expect(resolve).not.toHaveBeenCalled();
  });

  it.each([
    ['asked first', true],
    ['asked once another signal has arrived', false],
  ])('rejects the run with the error of a signal that throws when %s, as json-rules-engine does', async (_name, first) => {
    const broken = new Error('provider threw');
    const rules = [ruleOf(swapThenTenure)];
    const source: SignalSource = {
      resolve: (fact) => {
        if (fact === 'simSwap' && first) throw broken;
        if (fact === 'tenure') throw broken;
        return Promise.resolve({ status: 'OK', swapped: true });
      },
    };
    await expect(referenceRun(rules, source, REQUEST)).rejects.toBe(broken);
    await expect(new RuleProgram(rules).run(source, REQUEST)).rejects.toBe(broken);
  });

  it('asks nothing more once the run has failed, when a signal it waited for arrives late', async () => {
    const { source, asked, answer } = deferredSource();
    const rules = [
      ruleOf(swapThenTenure),
      ruleOf({ all: [{ fact: 'deviceSwap', params: { maxAge: 24 }, path: '$.swapped', operator: 'equal', value: true }] }),
    ];
    const running = new RuleProgram(rules).run(source, REQUEST);
    const failure = new Error('operator store unreadable');
    answer('deviceSwap').reject(failure);
    await expect(running).rejects.toBe(failure);
    // Had the run gone on, the SIM swap's answer would make the first rule ask the tenure: a paid call for a decision already refused.
    answer('simSwap').resolve({ status: 'OK', swapped: true });
    await new Promise((resolve) => setImmediate(resolve));
    expect([...asked].sort()).toEqual(['deviceSwap', 'simSwap']);
  });

  it('evaluates known answers in one go: every priority set is asked before run() yields', async () => {
    // The point of compiling the rules: a condition on a known value costs a call, not a turn
    // of the event loop (a backtest replays recorded answers, all known).
    const resolve = jest.fn((_fact: SignalFactName, _params: Record<string, unknown>): SignalFactValue => ({ status: 'OK', swapped: true, tenureDateCheck: false }));
    const program = new RuleProgram([
      ruleOf({ all: [simSwapped] }, 3),
      ruleOf({ all: [{ fact: 'tenure', params: { days: 30 }, path: '$.tenureDateCheck', operator: 'equal', value: false }] }, 2),
      ruleOf({ all: [{ fact: 'deviceSwap', params: { maxAge: 24 }, path: '$.swapped', operator: 'equal', value: true }] }, 1),
    ]);
    const running = program.run({ resolve }, REQUEST);
    expect(resolve.mock.calls.map(([fact]) => fact)).toEqual(['simSwap', 'tenure', 'deviceSwap']);
    expect(await running).toEqual({ fired: [0, 1, 2], failed: [] });
  });
});
