import { notOk, ok, SignalAnswer } from '../signals/signal.types';
import { CompiledPolicy, RequestFacts } from './compiled-policy';
import { Outcome } from './outcome';
import { validatePolicyText } from './policy-validator';
import { SignalCollector, SignalProviders } from './signal-collector';

const NOW = new Date('2026-03-02T10:00:00Z');
const FACTS: RequestFacts = { useCase: 'demo', trustedSince: null, context: {} };

type Json = Record<string, unknown>;

function leaf(fact: string, params: Json, path: string, operator: string, value: unknown): Json {
  return { fact, params, path, operator, value };
}

function rule(name: string, type: string, score: number, all: Json[], priority?: number): Json {
  const code = name.toUpperCase().replace(/-/g, '_');
  return { name, ...(priority ? { priority } : {}), conditions: { all }, event: { type, params: { code, message: name, score } } };
}

function compile(rules: Json[], extra: Json = {}): CompiledPolicy {
  const text = JSON.stringify({ id: 'demo', ...extra, rules });
  const file = '/policies/demo.json';
  return new CompiledPolicy(validatePolicyText(text, file), file, text);
}

/** Providers answering from the phone number's last digits, each call after `delay()`. */
function fakeProviders(delay: () => Promise<void> = async () => undefined) {
  const index = (phoneNumber: string) => Number(phoneNumber.slice(-4));
  const answer = <T>(fn: (i: number) => SignalAnswer<T>) =>
    jest.fn(async (query: { phoneNumber: string }) => {
      await delay();
      return fn(index(query.phoneNumber));
    });
  const fakes = {
    tenure: {
      checkTenure: answer((i) => (i % 5 === 0 ? notOk('NOT_SUBSCRIBER', 'unknown number') : ok({ tenureDateCheck: i % 2 === 0, contractType: i % 3 === 0 ? 'PAYG' : 'PAYM' }))),
    },
    simSwap: { check: answer((i) => (i % 4 === 0 ? notOk('UNAVAILABLE', 'timeout') : ok({ swapped: i % 4 === 1 }))) },
    deviceSwap: {
      check: answer((i) => {
        if (i % 7 === 0) throw new Error('provider bug');
        return ok({ swapped: i % 3 === 1 });
      }),
    },
    numberRecycling: { check: answer(() => ok({ phoneNumberRecycled: false })) },
  };
  return { fakes, providers: fakes as unknown as SignalProviders };
}

function collectorFor(providers: SignalProviders, i: number): SignalCollector {
  return new SignalCollector(providers, { phoneNumber: `+3361234${String(i).padStart(4, '0')}`, correlator: `c${i}` }, NOW);
}

/** Three priority levels; the lowest runs last, so a run cut short would lose its reasons. */
const LAYERED_RULES = [
  rule('sim-swapped', 'REVIEW', 40, [leaf('simSwap', { maxAge: 24 }, '$.swapped', 'equal', true)], 3),
  rule('sim-unknown', 'CHALLENGE', 20, [leaf('simSwap', { maxAge: 24 }, '$.status', 'notEqual', 'OK')], 3),
  rule('new-line', 'CHALLENGE', 30, [leaf('tenure', { days: 30 }, '$.tenureDateCheck', 'equal', false)], 2),
  rule('tenure-unknown', 'CHALLENGE', 10, [leaf('tenure', { days: 30 }, '$.status', 'notEqual', 'OK')], 2),
  rule('large-amount-new-line', 'BLOCK', 0, [
    { fact: 'context', path: '$.amount', operator: 'greaterThanInclusive', value: 1000 },
    leaf('tenure', { days: 30 }, '$.tenureDateCheck', 'equal', false),
  ]),
  rule('device-swapped', 'ALLOW', 25, [leaf('deviceSwap', { maxAge: 24 }, '$.swapped', 'equal', true)]),
  rule('device-unknown', 'ALLOW', 15, [leaf('deviceSwap', { maxAge: 24 }, '$.status', 'notEqual', 'OK')]),
  rule('prepaid', 'ALLOW', 5, [leaf('tenure', { days: 30 }, '$.contractType', 'equal', 'PAYG')]),
];
const AMOUNT_INPUT = { context: { type: 'object', properties: { amount: { type: 'integer', minimum: 0 } }, required: ['amount'] } };
const LAYERED = { inputs: AMOUNT_INPUT, scoreThresholds: { CHALLENGE: 30, REVIEW: 60, BLOCK: 90 } };
const factsFor = (i: number): RequestFacts => ({ ...FACTS, context: { amount: (i % 3) * 600 } });

describe('CompiledPolicy', () => {
  it.each<[number, Outcome['outcome'], number, string[]]>([
    // tenure OK false PAYM, SIM swapped, device swapped, amount 600: BLOCK from the score
    [1, 'BLOCK', 95, ['sim-swapped', 'new-line', 'device-swapped']],
    // tenure NOT_SUBSCRIBER, SIM UNAVAILABLE, device not swapped, amount 1200
    [20, 'CHALLENGE', 30, ['sim-unknown', 'tenure-unknown']],
    // tenure OK false PAYG, SIM swapped, device provider throws, amount 0
    [21, 'BLOCK', 90, ['sim-swapped', 'new-line', 'device-unknown', 'prepaid']],
    // tenure OK false PAYM, SIM not swapped, device provider throws, amount 1200: BLOCK from a rule
    [119, 'BLOCK', 45, ['large-amount-new-line', 'new-line', 'device-unknown']],
    // tenure OK true PAYM, SIM not swapped, device not swapped, amount 1200
    [2, 'ALLOW', 0, []],
  ])('decides number %i as %s with score %i', async (i, outcome, score, reasons) => {
    const { providers } = fakeProviders();
    const result = await compile(LAYERED_RULES, LAYERED).evaluate(collectorFor(providers, i), factsFor(i));
    expect(result).toMatchObject({ outcome, score });
    expect(result.reasons.map((r) => r.rule)).toEqual(reasons);
  });

  it('never queries a signal the policy does not reference', async () => {
    const policy = compile([
      rule('new-line', 'REVIEW', 50, [leaf('tenure', { days: 30 }, '$.tenureDateCheck', 'equal', false)]),
      rule('tenure-unknown', 'CHALLENGE', 30, [leaf('tenure', { days: 30 }, '$.status', 'notEqual', 'OK')]),
    ]);
    const { fakes, providers } = fakeProviders();
    const collector = collectorFor(providers, 1);
    await policy.evaluate(collector, FACTS);
    expect(fakes.tenure.checkTenure).toHaveBeenCalledTimes(1);
    expect(fakes.simSwap.check).not.toHaveBeenCalled();
    expect(fakes.deviceSwap.check).not.toHaveBeenCalled();
    expect(fakes.numberRecycling.check).not.toHaveBeenCalled();
    expect(collector.records.map((r) => r.signal)).toEqual(['tenure']);
  });

  it('makes each distinct query once, however many rules and conditions use it', async () => {
    const policy = compile([
      rule('new-line', 'REVIEW', 50, [leaf('tenure', { days: 30 }, '$.tenureDateCheck', 'equal', false)], 3),
      rule('tenure-unknown', 'CHALLENGE', 30, [leaf('tenure', { days: 30 }, '$.status', 'notEqual', 'OK')], 2),
      rule('prepaid', 'ALLOW', 5, [leaf('tenure', { days: 30 }, '$.contractType', 'equal', 'PAYG')]),
      rule('old-postpaid', 'ALLOW', 0, [
        leaf('tenure', { days: 365 }, '$.tenureDateCheck', 'equal', true),
        leaf('tenure', { days: 365 }, '$.contractType', 'equal', 'PAYM'),
        leaf('simSwap', { maxAge: 24 }, '$.swapped', 'equal', false),
      ]),
      rule('sim-swapped', 'BLOCK', 0, [leaf('simSwap', { maxAge: 24 }, '$.swapped', 'equal', true)], 2),
      rule('sim-unknown', 'CHALLENGE', 0, [leaf('simSwap', { maxAge: 24 }, '$.status', 'notEqual', 'OK')]),
    ]);
    const { fakes, providers } = fakeProviders(() => new Promise((resolve) => setTimeout(resolve, 1)));
    const collector = collectorFor(providers, 2);
    await policy.evaluate(collector, FACTS);
    expect(fakes.tenure.checkTenure).toHaveBeenCalledTimes(2);
    expect(fakes.tenure.checkTenure).toHaveBeenCalledWith({ phoneNumber: '+33612340002', tenureDate: '2026-01-31' }, { correlator: 'c2' });
    expect(fakes.tenure.checkTenure).toHaveBeenCalledWith({ phoneNumber: '+33612340002', tenureDate: '2025-03-02' }, { correlator: 'c2' });
    expect(fakes.simSwap.check).toHaveBeenCalledTimes(1);
    expect(collector.records).toHaveLength(3);
  });

  it('lists fired rules of one action in file order, whatever their priority', async () => {
    const policy = compile([
      rule('first', 'CHALLENGE', 0, [leaf('simSwap', { maxAge: 24 }, '$.status', 'equal', 'OK')], 1),
      rule('second', 'CHALLENGE', 0, [leaf('simSwap', { maxAge: 24 }, '$.swapped', 'equal', false)], 9),
      rule('third', 'CHALLENGE', 0, [{ fact: 'useCase', operator: 'equal', value: 'demo' }], 5),
      rule('sim-unknown', 'CHALLENGE', 0, [leaf('simSwap', { maxAge: 24 }, '$.status', 'notEqual', 'OK')], 3),
    ]);
    const { providers } = fakeProviders();
    const outcome = await policy.evaluate(collectorFor(providers, 2), FACTS);
    expect(outcome.reasons.map((r) => r.rule)).toEqual(['first', 'second', 'third']);
  });

  it('gives 50 concurrent evaluations the outcome each gets alone (rules at several priorities)', async () => {
    let seed = 42;
    const random = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    const delay = async () => {
      const kind = random(3);
      if (kind === 0) for (let k = random(6); k > 0; k--) await Promise.resolve();
      else if (kind === 1) await new Promise((resolve) => setImmediate(resolve));
      else await new Promise((resolve) => setTimeout(resolve, random(4)));
    };
    const { providers } = fakeProviders(delay);
    const policy = compile(LAYERED_RULES, LAYERED);
    const numbers = Array.from({ length: 50 }, (_, i) => i + 1);

    const alone: Outcome[] = [];
    for (const i of numbers) alone.push(await policy.evaluate(collectorFor(providers, i), factsFor(i)));
    const together = await Promise.all(numbers.map((i) => policy.evaluate(collectorFor(providers, i), factsFor(i))));

    // The answers vary enough that a run losing its lower-priority rules would show.
    expect(new Set(alone.map((o) => o.outcome)).size).toBeGreaterThanOrEqual(3);
    expect(alone.filter((o) => o.reasons.some((r) => r.rule.startsWith('device-'))).length).toBeGreaterThan(10);
    numbers.forEach((i, k) => expect({ number: i, ...together[k] }).toEqual({ number: i, ...alone[k] }));
  });

  it.each<[string, Json, string[], number]>([
    ['a policy without review settings opens cases on REVIEW, due in 24 hours', {}, ['REVIEW'], 24 * 3_600_000],
    ['review outcomes and SLA as the policy sets them', { review: { outcomes: ['REVIEW', 'BLOCK'], slaHours: 2 } }, ['REVIEW', 'BLOCK'], 2 * 3_600_000],
    ['review outcomes set, SLA by default', { review: { outcomes: ['CHALLENGE'] } }, ['CHALLENGE'], 24 * 3_600_000],
    ['SLA set, outcomes by default', { review: { slaHours: 48 } }, ['REVIEW'], 48 * 3_600_000],
  ])('review queue: %s', (_title, extra, outcomes, slaMs) => {
    const policy = compile(LAYERED_RULES, { ...LAYERED, ...extra });
    expect([...policy.reviewOutcomes]).toEqual(outcomes);
    expect(policy.reviewSlaMs).toBe(slaMs);
  });

  it('versions the policy by a hash of its file content', () => {
    const doc = { id: 'demo', inputs: AMOUNT_INPUT, rules: LAYERED_RULES };
    const build = (text: string) => new CompiledPolicy(validatePolicyText(text, '/p/demo.json'), '/p/demo.json', text);
    const compact = JSON.stringify(doc);
    const pretty = JSON.stringify(doc, null, 2);
    const edited = JSON.stringify({ ...doc, description: 'tuned' });

    expect(build(compact).version).toMatch(/^[0-9a-f]{16}$/);
    expect(build(compact).version).toBe(build(compact).version);
    expect(build(pretty).version).not.toBe(build(compact).version);
    expect(build(edited).version).not.toBe(build(compact).version);
    expect(build(compact).id).toBe('demo');
    expect(build(compact).ruleNames).toEqual(LAYERED_RULES.map((r) => r.name));
  });
});
