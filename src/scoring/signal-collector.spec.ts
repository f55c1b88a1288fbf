import { ok, notOk } from '../signals/signal.types';
import { SignalCollector, SignalProviders, SignalSubject } from './signal-collector';
import { SignalExecutor } from './signal-executor';

const NOW = new Date('2026-03-02T00:30:00Z');
const SUBJECT: SignalSubject = { phoneNumber: '+33612345678', correlator: 'corr-1' };
const CTX = { correlator: 'corr-1' };

function fakeProviders() {
  const fakes = {
    tenure: { checkTenure: jest.fn(async (_query: object, _ctx: object) => ok({ tenureDateCheck: true, contractType: 'PAYM' })) },
    numberRecycling: { check: jest.fn(async (_query: object, _ctx: object) => ok({ phoneNumberRecycled: false })) },
    simSwap: { check: jest.fn(async (_query: object, _ctx: object) => ok({ swapped: false })), retrieveDate: jest.fn() },
    deviceSwap: { check: jest.fn(async (_query: object, _ctx: object) => ok({ swapped: true })), retrieveDate: jest.fn() },
  };
  return { fakes, providers: fakes as unknown as SignalProviders };
}

function collector(subject: Partial<SignalSubject> = {}) {
  const { fakes, providers } = fakeProviders();
  return { fakes, collector: new SignalCollector(providers, { ...SUBJECT, ...subject }, NOW) };
}

describe('SignalCollector', () => {
  it('gives the answer fields beside status OK and records the query with its answer', async () => {
    const { collector: c, fakes } = collector();
    await expect(c.resolve('tenure', { days: 30 })).resolves.toEqual({ status: 'OK', tenureDateCheck: true, contractType: 'PAYM' });
    expect(fakes.tenure.checkTenure).toHaveBeenCalledWith({ phoneNumber: SUBJECT.phoneNumber, tenureDate: '2026-01-31' }, CTX);
    expect(c.records).toEqual([
      { signal: 'tenure', operation: 'checkTenure', query: { tenureDate: '2026-01-31' }, status: 'OK', answer: { tenureDateCheck: true, contractType: 'PAYM' }, cached: false, attempts: 1, durationMs: expect.any(Number) },
    ]);
  });

  it.each([
    ['concurrently', true],
    ['one after the other', false],
  ])('asks a query once when it is resolved twice %s', async (_title, concurrent) => {
    const { collector: c, fakes } = collector();
    const values = concurrent
      ? await Promise.all([c.resolve('simSwap', { maxAge: 24 }), c.resolve('simSwap', { maxAge: 24 })])
      : [await c.resolve('simSwap', { maxAge: 24 }), await c.resolve('simSwap', { maxAge: 24 })];
    expect(values).toEqual([{ status: 'OK', swapped: false }, { status: 'OK', swapped: false }]);
    expect(fakes.simSwap.check).toHaveBeenCalledTimes(1);
    expect(c.records).toHaveLength(1);
  });

  it('makes two queries for the same fact with different params', async () => {
    const { collector: c, fakes } = collector();
    await Promise.all([c.resolve('simSwap', { maxAge: 24 }), c.resolve('simSwap', { maxAge: 72 })]);
    expect(fakes.simSwap.check.mock.calls.map(([query]) => query)).toEqual([
      { phoneNumber: SUBJECT.phoneNumber, maxAge: 24 },
      { phoneNumber: SUBJECT.phoneNumber, maxAge: 72 },
    ]);
    expect(c.records.map((r) => r.query)).toEqual([{ maxAge: 24 }, { maxAge: 72 }]);
  });

  it('keeps SIM Swap and Device Swap apart for the same maxAge', async () => {
    const { collector: c, fakes } = collector();
    const [sim, device] = await Promise.all([c.resolve('simSwap', { maxAge: 24 }), c.resolve('deviceSwap', { maxAge: 24 })]);
    expect(sim).toEqual({ status: 'OK', swapped: false });
    expect(device).toEqual({ status: 'OK', swapped: true });
    expect(fakes.simSwap.check).toHaveBeenCalledTimes(1);
    expect(fakes.deviceSwap.check).toHaveBeenCalledTimes(1);
    expect(c.records.map((r) => r.signal)).toEqual(['simSwap', 'deviceSwap']);
  });

  it.each<[string, () => Promise<never>]>([
    ['rejects', () => Promise.reject(new Error('socket hang up'))],
    [
      'throws synchronously',
      () => {
        throw new Error('socket hang up');
      },
    ],
  ])('turns a provider that %s into UNAVAILABLE, recorded, never thrown', async (_title, failure) => {
    const { collector: c, fakes } = collector();
    fakes.simSwap.check.mockImplementation(failure);
    const value = await c.resolve('simSwap', { maxAge: 24 });
    expect(value).toEqual({ status: 'UNAVAILABLE', reason: expect.stringContaining('socket hang up') });
    expect(c.records).toEqual([
      { signal: 'simSwap', operation: 'check', query: { maxAge: 24 }, status: 'UNAVAILABLE', reason: expect.stringContaining('socket hang up'), cached: false, attempts: 1, durationMs: expect.any(Number) },
    ]);
  });

  it('passes a non-OK status from the provider through with its reason', async () => {
    const { collector: c, fakes } = collector();
    fakes.deviceSwap.check.mockResolvedValue(notOk('NOT_SUBSCRIBER', 'IDENTIFIER_NOT_FOUND') as never);
    await expect(c.resolve('deviceSwap', { maxAge: 24 })).resolves.toEqual({ status: 'NOT_SUBSCRIBER', reason: 'IDENTIFIER_NOT_FOUND' });
    expect(c.records[0]).toMatchObject({ signal: 'deviceSwap', status: 'NOT_SUBSCRIBER', reason: 'IDENTIFIER_NOT_FOUND' });
    expect(c.records[0]).not.toHaveProperty('answer');
  });

  it('gives MISSING_INPUT for numberRecycling without trustedSince, without calling the provider', async () => {
    const { collector: c, fakes } = collector();
    const value = await c.resolve('numberRecycling', {});
    expect(value).toEqual({ status: 'MISSING_INPUT', reason: expect.stringContaining('trustedSince') });
    await c.resolve('numberRecycling', {});
    expect(fakes.numberRecycling.check).not.toHaveBeenCalled();
    expect(c.records).toEqual([
      { signal: 'numberRecycling', operation: 'check', query: {}, status: 'MISSING_INPUT', reason: expect.stringContaining('trustedSince'), cached: false, attempts: 0, durationMs: 0 },
    ]);
  });

  it('checks numberRecycling against the request trustedSince', async () => {
    const { collector: c, fakes } = collector({ trustedSince: '2025-06-01' });
    await expect(c.resolve('numberRecycling', {})).resolves.toEqual({ status: 'OK', phoneNumberRecycled: false });
    expect(fakes.numberRecycling.check).toHaveBeenCalledWith({ phoneNumber: SUBJECT.phoneNumber, specifiedDate: '2025-06-01' }, CTX);
  });

  it.each<[number, string, string | undefined]>([
    [0, '2026-03-02', undefined],
    [1, '2026-03-01', undefined],
    [30, '2026-01-31', undefined],
    [30, '2026-01-31', '2020-01-01'],
    [365, '2025-03-02', undefined],
  ])('numberRecycling {days: %i} checks specifiedDate %s (trustedSince %s)', async (days, specifiedDate, trustedSince) => {
    const { collector: c, fakes } = collector({ trustedSince });
    await c.resolve('numberRecycling', { days });
    expect(fakes.numberRecycling.check).toHaveBeenCalledWith({ phoneNumber: SUBJECT.phoneNumber, specifiedDate }, CTX);
    expect(c.records[0].query).toEqual({ specifiedDate });
  });

  it.each<[string, number, string]>([
    ['2026-03-02T00:30:00Z', 30, '2026-01-31'],
    ['2026-03-01T23:59:59Z', 30, '2026-01-30'],
    ['2024-03-30T12:00:00Z', 30, '2024-02-29'],
    ['2026-01-15T12:00:00Z', 365, '2025-01-15'],
    ['2026-01-15T12:00:00Z', 0, '2026-01-15'],
  ])('at %s, tenure {days: %i} asks tenureDate %s (UTC calendar date)', async (now, days, tenureDate) => {
    const { fakes, providers } = fakeProviders();
    const c = new SignalCollector(providers, SUBJECT, new Date(now));
    await c.resolve('tenure', { days });
    expect(fakes.tenure.checkTenure).toHaveBeenCalledWith({ phoneNumber: SUBJECT.phoneNumber, tenureDate }, CTX);
  });

  it('records a query still pending at the decision deadline as UNAVAILABLE, without waiting for it', async () => {
    const { fakes, providers } = fakeProviders();
    fakes.simSwap.check.mockImplementation(() => new Promise(() => undefined));
    jest.useFakeTimers();
    try {
      const c = new SignalCollector(providers, SUBJECT, NOW, { deadlineMs: 30 });
      let settled = false;
      const resolved = c.resolve('simSwap', { maxAge: 24 }).finally(() => (settled = true));
      await jest.advanceTimersByTimeAsync(29);
      expect(settled).toBe(false);
      // The deadline, then a 50 ms grace for a provider that ignores its abort signal.
      await jest.advanceTimersByTimeAsync(1 + 50);
      expect(settled).toBe(true);
      await expect(resolved).resolves.toEqual({
        status: 'UNAVAILABLE',
        reason: 'the decision deadline passed before the operator answered',
      });
      expect(c.records[0]).toMatchObject({ signal: 'simSwap', status: 'UNAVAILABLE' });
    } finally {
      jest.useRealTimers();
    }
  });

  it('without an executor, gives the provider an abort signal that aborts at the decision deadline', async () => {
    const { fakes, providers } = fakeProviders();
    let given: AbortSignal | undefined;
    fakes.simSwap.check.mockImplementation((_query: object, ctx: object) => {
      given = (ctx as { abortSignal?: AbortSignal }).abortSignal;
      return new Promise(() => undefined);
    });
    jest.useFakeTimers();
    try {
      const c = new SignalCollector(providers, SUBJECT, NOW, { deadlineMs: 30 });
      const resolved = c.resolve('simSwap', { maxAge: 24 });
      await jest.advanceTimersByTimeAsync(29);
      expect(given?.aborted).toBe(false);
      await jest.advanceTimersByTimeAsync(1);
      expect(given?.aborted).toBe(true);
      await jest.advanceTimersByTimeAsync(50);
      await expect(resolved).resolves.toMatchObject({ status: 'UNAVAILABLE' });
    } finally {
      jest.useRealTimers();
    }
  });

  it('makes queries through the given executor and records how it answered', async () => {
    const { providers } = fakeProviders();
    const executor = { execute: jest.fn(async () => ({ answer: ok({ swapped: true }), cached: true, cacheAgeMs: 1500, attempts: 0 })) } as unknown as SignalExecutor & { execute: jest.Mock };
    const c = new SignalCollector(providers, SUBJECT, NOW, { executor });
    await expect(c.resolve('simSwap', { maxAge: 24 })).resolves.toEqual({ status: 'OK', swapped: true });
    expect(executor.execute).toHaveBeenCalledWith(expect.objectContaining({ signal: 'simSwap', query: { maxAge: 24 }, phoneNumber: SUBJECT.phoneNumber }), expect.objectContaining({ correlator: 'corr-1' }));
    expect(c.records[0]).toMatchObject({ cached: true, cacheAgeMs: 1500, attempts: 0 });
  });
});
