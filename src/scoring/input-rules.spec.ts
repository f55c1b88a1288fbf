import { CompiledPolicy } from './compiled-policy';
import { PolicyInvalidError } from './policy-invalid.error';
import { validatePolicyText } from './policy-validator';
import { SignalCollector, SignalProviders } from './signal-collector';

const FILE = '/rules/pay.json';
type Json = Record<string, any>;

const amountLeaf = (operator: string, value: unknown, path = '$.amount'): Json => ({ fact: 'context', path, operator, value });
const rule = (name: string, conditions: Json[], type = 'REVIEW', score = 0): Json => ({
  name,
  conditions: { all: conditions },
  event: { type, params: { code: name.toUpperCase().replace(/-/g, '_'), message: name, score } },
});

/** A policy reading context.amount (required integer) and context.channel (optional enum). */
function policy(rules: Json[] = [rule('large', [amountLeaf('greaterThanInclusive', 100000)], 'BLOCK')], required = ['amount']): Json {
  return {
    id: 'pay',
    inputs: {
      context: {
        type: 'object',
        properties: { amount: { type: 'integer', minimum: 1 }, channel: { type: 'string', enum: ['app', 'web'] } },
        required,
      },
    },
    rules,
  };
}

function problems(document: Json): { path: string; message: string }[] {
  try {
    validatePolicyText(JSON.stringify(document), FILE);
    return [];
  } catch (error) {
    expect(error).toBeInstanceOf(PolicyInvalidError);
    expect((error as Error).message).toContain(FILE);
    return (error as PolicyInvalidError).problems;
  }
}

describe('a policy\'s rules against its declared inputs', () => {
  it('accepts rules that read declared fields with fitting operators and values', () => {
    expect(problems(policy())).toEqual([]);
  });

  it.each<[string, Json, RegExp]>([
    ['an undeclared field (a typo)', amountLeaf('greaterThan', 10, '$.amnt'), /reads context "\$\.amnt", which \$\.inputs\.context does not declare \(declared: amount, channel\)/],
    ['the whole context', { fact: 'context', operator: 'equal', value: 1 }, /reads the whole context/],
    ['inside a flat field', amountLeaf('equal', 1, '$.amount.value'), /reads inside context\.amount, an integer, which has no fields \(got "\$\.amount\.value"\)/],
    ['a string where the field is an integer', amountLeaf('equal', '5000'), /compares context\.amount, an integer, with a value of another type \(got "5000"\)/],
    ['a fraction where the field is an integer', amountLeaf('equal', 10.5), /an integer, with a value of another type \(got 10\.5\)/],
    ['a list holding a string for an integer', amountLeaf('in', [1, '2']), /with a value of another type \(got "2"\)/],
    ['an ordering operator on a string', { fact: 'context', path: '$.channel', operator: 'greaterThan', value: 1 }, /operator "greaterThan" makes no sense for context\.channel, a string \(got "greaterThan"; use equal, notEqual, in, notIn\)/],
    ['contains on a number', amountLeaf('contains', 1), /operator "contains" makes no sense for context\.amount/],
    ['a value outside the enum', { fact: 'context', path: '$.channel', operator: 'equal', value: 'branch' }, /outside its enum \["app","web"\] \(got "branch"\)/],
    ['null against a required field', amountLeaf('equal', null), /compares required context\.amount with null, which it never is/],
  ])('refuses %s, at the leaf, naming the offending value', (_label, leaf, pattern) => {
    const found = problems(policy([rule('r', [leaf], 'BLOCK')]));
    expect(found).toEqual([expect.objectContaining({ path: '$.rules[0].conditions.all[0]' })]);
    expect(found[0].message).toMatch(pattern);
  });

  it('refuses a policy that reads context without declaring inputs', () => {
    const document = policy();
    delete document.inputs;
    expect(problems(document)[0].message).toMatch(/does not declare \(the policy declares no context field/);
  });

  describe('an optional field', () => {
    const readsChannel = rule('web', [{ fact: 'context', path: '$.channel', operator: 'equal', value: 'web' }], 'CHALLENGE');
    const absent = (type: string, score: number, extra: Json[] = []) =>
      rule('no-channel', [{ fact: 'context', path: '$.channel', operator: 'equal', value: null }, ...extra], type, score);

    it('is refused when no rule says what its absence means', () => {
      const found = problems(policy([readsChannel]));
      expect(found).toEqual([{ path: '$.rules[0].conditions.all[0]', message: expect.stringMatching(/reads optional context\.channel but no rule says what its absence means/) }]);
    });

    it('is accepted with a rule that fires on its absence and changes the decision', () => {
      expect(problems(policy([readsChannel, absent('CHALLENGE', 0)]))).toEqual([]);
      expect(problems(policy([readsChannel, absent('ALLOW', 20)]))).toEqual([]);
      expect(problems(policy([readsChannel, rule('in-null', [{ fact: 'context', path: '$.channel', operator: 'in', value: ['app', null] }], 'REVIEW')]))).toEqual([]);
    });

    it.each<[string, Json]>([
      ['an absence rule worth nothing (ALLOW, 0 points)', absent('ALLOW', 0)],
      ['an absence test ANDed with a test on the field, which cannot both hold', absent('BLOCK', 0, [{ fact: 'context', path: '$.channel', operator: 'equal', value: 'app' }])],
      ['a "notEqual 5"-style test that is true on null by accident', rule('odd', [{ fact: 'context', path: '$.channel', operator: 'notEqual', value: 'app' }], 'BLOCK')],
    ])('is still refused with %s', (_label, second) => {
      expect(problems(policy([readsChannel, second])).map((p) => p.message).join()).toMatch(/no rule says what its absence means/);
    });

    it('reaches the rules as null when absent, so the absence rule fires', async () => {
      const text = JSON.stringify(policy([readsChannel, absent('CHALLENGE', 0)]));
      const compiled = new CompiledPolicy(validatePolicyText(text, FILE), FILE, text);
      const collector = new SignalCollector({} as SignalProviders, { phoneNumber: '+34600000001', correlator: 'c' }, new Date());
      const run = (context: Record<string, unknown>) => compiled.evaluate(collector, { useCase: 'pay', trustedSince: null, context }).then((o) => o.reasons.map((r) => r.code));
      expect(await run({ amount: 10 })).toEqual(['NO_CHANNEL']);
      expect(await run({ amount: 10, channel: 'web' })).toEqual(['WEB']);
      expect(await run({ amount: 10, channel: 'app' })).toEqual([]);
    });
  });

  describe('the declaration itself', () => {
    it.each<[string, (p: Json) => void, string, RegExp]>([
      ['a required name it does not declare', (p) => (p.inputs.context.required = ['amount', 'amonut']), '$.inputs.context.required[1]', /names no declared field \(got "amonut"; declared: amount, channel\)/],
      ['an enum value of another type', (p) => (p.inputs.context.properties.channel.enum = ['app', 3]), '$.inputs.context.properties.channel.enum[1]', /must be a string like the field \(got 3\)/],
      ['a minimum above the maximum', (p) => Object.assign(p.inputs.context.properties.amount, { minimum: 10, maximum: 5 }), '$.inputs.context.properties.amount.minimum', /must not be above maximum 5 \(got 10\)/],
      ['a pattern that does not compile', (p) => (p.inputs.context.properties.channel = { type: 'string', pattern: '([a-z' }), '$.inputs.context.properties.channel.pattern', /is not a valid regular expression \(got "\(\[a-z"\)/],
    ])('refuses %s', (_label, mutate, path, pattern) => {
      const document = policy();
      mutate(document);
      const found = problems(document);
      expect(found.map((p) => p.path)).toContain(path);
      expect(found.find((p) => p.path === path)!.message).toMatch(pattern);
    });

    it.each<[string, (p: Json) => void, string, RegExp]>([
      ['a nested object field', (p) => (p.inputs.context.properties.payee = { type: 'object' }), '$.inputs.context.properties.payee.type', /must be one of "string", "integer", "number", "boolean" \(got "object"\)/],
      ['an unsupported keyword', (p) => (p.inputs.context.properties.amount.format = 'money'), '$.inputs.context.properties.amount', /unknown property "format"/],
      ['a context that is not an object', (p) => (p.inputs.context.type = 'array'), '$.inputs.context.type', /must be equal to constant/],
    ])('refuses %s through the schema', (_label, mutate, path, pattern) => {
      const document = policy();
      mutate(document);
      const found = problems(document);
      expect(found.find((p) => p.path === path)?.message).toMatch(pattern);
    });
  });
});
