import { ArgumentMetadata } from '@nestjs/common';
import fc from 'fast-check';
import { StrictValidationPipe } from '../../common/http/validation';
import { CreateDecisionDto, isPlainDecisionRequest } from './create-decision.dto';

/**
 * The decision body's fast path (isPlainDecisionRequest) against class-validator, the reference:
 * on generated bodies, valid and not, the pipe with the fast path answers exactly what the full
 * pipe answers (the same DTO, or the same error), and the fast path never accepts a body the
 * full pipe refuses.
 */
describe('CreateDecisionDto: the fast path agrees with class-validator', () => {
  const pipe = new StrictValidationPipe().register(CreateDecisionDto, isPlainDecisionRequest);
  const body: ArgumentMetadata = { type: 'body', metatype: CreateDecisionDto, data: '' };

  /** Each call gets its own parse of the same JSON text, as each request does (the full pipe edits what it gets). */
  const outcome = async (transform: (value: unknown) => unknown, json: string) => {
    try {
      const value = (await transform(JSON.parse(json))) as object;
      return { className: value.constructor.name, value: { ...value } };
    } catch (error) {
      return { error: (error as Error).message };
    }
  };

  const absent = fc.constant(undefined);
  const text = (max: number) => fc.string({ unit: 'grapheme', maxLength: max });
  /** Valid values two times in three, so that whole bodies are often valid and the fast path is exercised. */
  const mostly = (valid: fc.Arbitrary<unknown>, ...others: fc.Arbitrary<unknown>[]) => fc.oneof({ arbitrary: valid, weight: 2 * others.length }, ...others);
  const useCase = mostly(fc.constantFrom('onboarding', 'p2p_recipient', 'u'.repeat(64), 'é'.repeat(64)), fc.constantFrom('', 'u'.repeat(65), '😀'.repeat(40)), text(70), fc.integer(), fc.constant(null), absent);
  const phoneNumber = mostly(fc.stringMatching(/^\+[1-9][0-9]{4,14}$/), fc.constantFrom('+0123456', '+1234', '+1234567890123456', '34600000001', ' +34600000001'), fc.string(), fc.constant(null), absent);
  const trustedSince = mostly(
    fc.oneof(absent, fc.date({ min: new Date('1900-01-01'), max: new Date('2100-01-01'), noInvalidDate: true }).map((d) => d.toISOString().slice(0, 10))),
    fc.constantFrom('2026-02-29', '2024-02-29', '2026-13-01', '2026-1-01', '2026-01-01T00:00:00Z', ''),
    fc.string(),
    fc.constant(null),
  );
  const subjectId = mostly(fc.oneof(absent, fc.constant('s'.repeat(128)), text(128)), fc.constantFrom('', 's'.repeat(129), '😀'.repeat(100)), text(130), fc.integer(), fc.constant(null));
  const context = mostly(
    fc.oneof(absent, fc.constant({ amount: 2500, currency: 'EUR' })),
    fc.object({ maxDepth: 5 }),
    fc.dictionary(fc.string(), fc.string({ minLength: 1000, maxLength: 1500 }), { maxKeys: 5 }),
    fc.dictionary(fc.constantFrom('toString', 'valueOf', 'constructor', 'hasOwnProperty', 'prototype', 'amount'), fc.oneof(fc.integer(), fc.array(fc.object({ maxDepth: 1 }), { maxLength: 2 })), { maxKeys: 2 }),
    fc.jsonValue({ maxDepth: 2 }),
    fc.constant(null),
  );
  const extra = mostly(absent, fc.dictionary(fc.oneof(fc.string(), fc.constantFrom('constructor', 'usecase', 'phone')), fc.jsonValue({ maxDepth: 1 }), { minKeys: 1, maxKeys: 2 }));
  const bodies = fc
    .record({ useCase, phoneNumber, trustedSince, subjectId, context, extra })
    .map(({ extra: more, ...fields }) => JSON.stringify({ ...fields, ...(more ?? {}) }));

  it('answers every generated body as the full pipe does, and takes the fast path for some of them', async () => {
    let fast = 0;
    await fc.assert(
      fc.asyncProperty(fc.oneof(bodies, fc.jsonValue().map((v) => JSON.stringify(v))), async (json) => {
        const accepted = isPlainDecisionRequest(JSON.parse(json));
        if (accepted) fast++;
        const reference = await outcome((v) => pipe.full.transform(v, body), json);
        if (accepted) expect(reference).not.toHaveProperty('error');
        expect(await outcome((v) => pipe.transform(v, body), json)).toEqual(reference);
      }),
      { numRuns: 3000 },
    );
    // Not a vacuous fast path: the generators make valid bodies often enough.
    expect(fast).toBeGreaterThan(100);
  });

  it('takes the fast path for the requests of every use case', () => {
    const requests = [
      { useCase: 'onboarding', phoneNumber: '+34600000001' },
      { useCase: 'p2p_recipient', phoneNumber: '+34600000001', context: { amount: 2500, currency: 'EUR' }, subjectId: 'customer-8841' },
      { useCase: 'account_recovery', phoneNumber: '+447700900123', trustedSince: '2026-10-20' },
    ];
    for (const request of requests) expect({ request, fast: isPlainDecisionRequest(request) }).toEqual({ request, fast: true });
  });

  it.each(['toString', 'valueOf', 'hasOwnProperty', 'prototype'])('leaves a context holding a key named %s, at any depth, to the full pipe (class-transformer drops it)', async (key) => {
    for (const context of [{ [key]: false, amount: 1 }, { nested: { [key]: false } }, { list: [{ [key]: 1 }] }]) {
      const json = JSON.stringify({ useCase: 'onboarding', phoneNumber: '+34600000001', context });
      expect(isPlainDecisionRequest(JSON.parse(json))).toBe(false);
      expect(await outcome((v) => pipe.transform(v, body), json)).toEqual(await outcome((v) => pipe.full.transform(v, body), json));
    }
  });

  it('leaves every other route and parameter to the full pipe', async () => {
    class Other {}
    const valid = { useCase: 'onboarding', phoneNumber: '+34600000001' };
    // A query with the decision's type is not a body: the full pipe runs (and keeps strings as they are).
    await expect(outcome((v) => pipe.transform(v, { type: 'query', metatype: CreateDecisionDto }), JSON.stringify(valid))).resolves.toEqual(
      await outcome((v) => pipe.full.transform(v, { type: 'query', metatype: CreateDecisionDto }), JSON.stringify(valid)),
    );
    const other = { type: 'body', metatype: Other } as const;
    await expect(outcome((v) => pipe.transform(v, other), JSON.stringify(valid))).resolves.toEqual(await outcome((v) => pipe.full.transform(v, other), JSON.stringify(valid)));
  });
});
