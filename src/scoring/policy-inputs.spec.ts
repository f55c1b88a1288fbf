import { ContextContract, inputProblemsMessage } from './policy-inputs';
import { ContextDeclaration } from './policy.types';

const PAYMENT: ContextDeclaration = {
  type: 'object',
  properties: {
    amount: { type: 'integer', minimum: 1, 'x-unit': 'minor units of the currency' },
    currency: { type: 'string', enum: ['EUR', 'GBP'] },
    channel: { type: 'string' },
  },
  required: ['amount', 'currency'],
};

const message = (contract: ContextContract, context: Record<string, unknown> | undefined) => inputProblemsMessage(contract.problems(context));

describe('ContextContract', () => {
  const payment = new ContextContract(PAYMENT);

  it('accepts a context that fits, with or without its optional field', () => {
    expect(payment.problems({ amount: 500000, currency: 'EUR' })).toEqual([]);
    expect(payment.problems({ amount: 1, currency: 'GBP', channel: 'app' })).toEqual([]);
  });

  it.each<[string, Record<string, unknown> | undefined, string, RegExp]>([
    ['a formatted amount', { amount: '5,000', currency: 'EUR' }, 'context.amount', /context\.amount must be integer \(got "5,000"\)/],
    ['a word for an amount', { amount: 'abc', currency: 'EUR' }, 'context.amount', /must be integer \(got "abc"\)/],
    ['a numeric string', { amount: '5000', currency: 'EUR' }, 'context.amount', /must be integer \(got "5000"\)/],
    ['decimals in minor units', { amount: 12.5, currency: 'EUR' }, 'context.amount', /must be integer \(got 12\.5\)/],
    ['the boundary below the minimum', { amount: 0, currency: 'EUR' }, 'context.amount', /must be >= 1 \(got 0\)/],
    ['null for a required field', { amount: null, currency: 'EUR' }, 'context.amount', /must be integer \(got null\)/],
    ['a value outside the enum', { amount: 10, currency: 'eur' }, 'context.currency', /must be one of "EUR", "GBP" \(got "eur"\)/],
    ['an empty context', {}, 'context.amount', /context\.amount is required: integer in minor units of the currency \(got nothing\)/],
    ['no context', undefined, 'context.currency', /context\.currency is required: string one of "EUR", "GBP"/],
    ['a misspelt field', { amout: 10, amount: 10, currency: 'EUR' }, 'context.amout', /context\.amout is not an input of this use case \(got 10; its inputs are amount, currency, channel\)/],
    ['an object where a string goes', { amount: 10, currency: 'EUR', channel: { a: 1 } }, 'context.channel', /must be string \(got an object\)/],
  ])('refuses %s, naming the field, what it expects and what was sent', (_label, context, field, pattern) => {
    const problems = payment.problems(context);
    expect(problems.map((p) => p.field)).toContain(field);
    expect(message(payment, context)).toMatch(pattern);
  });

  it('names every field that is wrong, not only the first', () => {
    expect(payment.problems({ amount: '1', currency: 'XXX', extra: true }).map((p) => p.field).sort()).toEqual(['context.amount', 'context.currency', 'context.extra']);
  });

  it('accepts no field at all for a policy that declares none', () => {
    const none = new ContextContract(undefined);
    expect(none.problems(undefined)).toEqual([]);
    expect(none.problems({})).toEqual([]);
    expect(message(none, { amount: 5 })).toBe('context.amount is not an input of this use case (got 5; it reads no context field)');
  });

  it('accepts undeclared fields only when the policy opts in, and still checks the declared ones', () => {
    const open = new ContextContract({ ...PAYMENT, additionalProperties: true });
    expect(open.problems({ amount: 10, currency: 'EUR', note: 'x' })).toEqual([]);
    expect(open.problems({ amount: '10', currency: 'EUR', note: 'x' }).map((p) => p.field)).toEqual(['context.amount']);
  });

  it('gives the rules null for a declared field the request left out, and the sent values as sent', () => {
    expect(payment.factValue({ amount: 10, currency: 'EUR' })).toEqual({ amount: 10, currency: 'EUR', channel: null });
    expect(payment.factValue({ amount: 10, currency: 'EUR', channel: 'web' })).toEqual({ amount: 10, currency: 'EUR', channel: 'web' });
  });

  it('never shows more than a short prefix of a long value', () => {
    const long = 'x'.repeat(500);
    expect(message(payment, { amount: long, currency: 'EUR' }).length).toBeLessThan(150);
  });
});
