import { FixedClock } from '../common/time/clock';
import { validateConfig } from '../config/app-config';
import { SignalRequest } from '../scoring/signal-executor';
import { CachedAnswer, InMemorySignalCache, SignalCacheStore } from './cache/signal-cache';
import { PrefixRouter, SignalRouting, SingleRoute } from './gateways/gateway-router';
import { SignalGateway, SignalSources } from './signal-gateway';
import { SignalAnswer } from './signal.types';

const PHONE = '+34600000001';

function gateway(env: Record<string, string> = {}, routing: SignalRouting = new SingleRoute('default')) {
  const clock = new FixedClock(new Date('2026-06-15T12:00:00Z'));
  const config = validateConfig({ NODE_ENV: 'test', SIGNAL_BACKOFF_MS: '0', SIGNAL_MAX_BACKOFF_MS: '0', ...env });
  const cache = new InMemorySignalCache(100, () => clock.now().getTime());
  const where = 'test';
  const sources = { providers: {}, routing, describe: { tenure: where, numberRecycling: where, simSwap: where, deviceSwap: where } } as unknown as SignalSources;
  return { clock, cache, gateway: new SignalGateway(config, cache, clock, sources) };
}

function request(
  answers: SignalAnswer<object>[],
  query: Record<string, number> = { maxAge: 24 },
  phoneNumber = PHONE,
): SignalRequest<object> & { call: jest.Mock } {
  let i = 0;
  const call = jest.fn(async () => answers[Math.min(i++, answers.length - 1)]);
  return { signal: 'simSwap', operation: 'check', query, phoneNumber, call };
}

/** Runs `work` in a later turn: what a store answers, as a Promise or as some other thenable. */
type Defer = <T>(work: () => T) => Promise<T>;

/** A native Promise, as the database store's (FLEET_STATE=database) async methods answer. */
const inPromise: Defer = (work) => new Promise((resolve) => setImmediate(() => resolve(work())));

/** A thenable that is not a Promise, as a Prisma query is. */
const inThenable: Defer = <T>(work: () => T) => ({ then: (resolve: (value: T) => void) => setImmediate(() => resolve(work())) }) as unknown as Promise<T>;

/** The in-memory store's entries, answered in a later turn. */
class LaterStore extends SignalCacheStore {
  constructor(
    readonly inner: InMemorySignalCache,
    private readonly defer: Defer,
  ) {
    super();
  }
  get(key: string): Promise<CachedAnswer | undefined> {
    return this.defer(() => this.inner.get(key));
  }
  set(key: string, value: CachedAnswer, ttlMs: number, subjectHash: string): Promise<void> {
    return this.defer(() => this.inner.set(key, value, ttlMs, subjectHash));
  }
  forgetSubject(subjectHash: string): Promise<number> {
    return this.inner.forgetSubject(subjectHash);
  }
}

const OK: SignalAnswer<object> = { status: 'OK', value: { swapped: true } };
const NOT_SWAPPED: SignalAnswer<object> = { status: 'OK', value: { swapped: false } };

describe('SignalGateway', () => {
  it('serves a repeated query from the cache, saying so and how old it is, until the TTL passes', async () => {
    const { gateway: g, clock } = gateway({ CACHE_TTL_SIM_SWAP_S: '60' });
    const first = request([OK]);
    await expect(g.execute(first, { correlator: 'a' })).resolves.toEqual({ answer: OK, cached: false, attempts: 1 });
    clock.set(new Date('2026-06-15T12:00:30Z'));
    const second = request([OK]);
    await expect(g.execute(second, { correlator: 'b' })).resolves.toEqual({ answer: OK, cached: true, cacheAgeMs: 30_000, attempts: 0 });
    expect(second.call).not.toHaveBeenCalled();
    clock.set(new Date('2026-06-15T12:01:00Z'));
    const third = request([OK]);
    await g.execute(third, { correlator: 'c' });
    expect(third.call).toHaveBeenCalledTimes(1);
    expect(g.usage().simSwap).toEqual({ calls: 2, cacheHits: 1, byStatus: { OK: 2 } });
  });

  it('tells its query listeners of each answer, cached or not, and a listener that throws fails neither the query nor the others', async () => {
    const { gateway: g } = gateway({ CACHE_TTL_SIM_SWAP_S: '60' });
    const heard: string[] = [];
    g.onQuery(() => {
      throw new Error('a broken metric');
    });
    g.onQuery(({ signal, answer, cached }) => heard.push(`${signal} ${answer.status} ${cached ? 'cached' : 'asked'}`));
    await expect(g.execute(request([OK]), { correlator: 'a' })).resolves.toEqual({ answer: OK, cached: false, attempts: 1 });
    await expect(g.execute(request([OK]), { correlator: 'b' })).resolves.toMatchObject({ answer: OK, cached: true });
    expect(heard).toEqual(['simSwap OK asked', 'simSwap OK cached']);
  });

  it.each([
    ['a Promise (the database store)', (inner: InMemorySignalCache) => new LaterStore(inner, inPromise)],
    ['a thenable that is not a Promise', (inner: InMemorySignalCache) => new LaterStore(inner, inThenable)],
  ])('serves from a store that answers later with %s as from the in-memory one, stored before the query is answered', async (_kind, makeStore) => {
    const clock = new FixedClock(new Date('2026-06-15T12:00:00Z'));
    const config = validateConfig({ NODE_ENV: 'test' });
    const inner = new InMemorySignalCache(100, () => clock.now().getTime());
    const where = 'test';
    const sources = { providers: {}, routing: new SingleRoute('default'), describe: { tenure: where, numberRecycling: where, simSwap: where, deviceSwap: where } } as unknown as SignalSources;
    const g = new SignalGateway(config, makeStore(inner), clock, sources);
    await expect(g.execute(request([OK]), { correlator: 'a' })).resolves.toEqual({ answer: OK, cached: false, attempts: 1 });
    expect(inner.size).toBe(1);
    clock.set(new Date('2026-06-15T12:00:05Z'));
    const second = request([NOT_SWAPPED]);
    await expect(g.execute(second, { correlator: 'b' })).resolves.toEqual({ answer: OK, cached: true, cacheAgeMs: 5_000, attempts: 0 });
    expect(second.call).not.toHaveBeenCalled();
  });

  it('keys the cache by the query: another maxAge is another question', async () => {
    const { gateway: g } = gateway();
    await g.execute(request([OK], { maxAge: 24 }), { correlator: 'a' });
    const other = request([OK], { maxAge: 72 });
    await g.execute(other, { correlator: 'b' });
    expect(other.call).toHaveBeenCalledTimes(1);
  });

  it.each([
    ['a failure', { status: 'UNAVAILABLE', reason: '503', retryable: false }],
    ['an unknown number', { status: 'NOT_SUBSCRIBER', reason: '404 IDENTIFIER_NOT_FOUND' }],
  ] as [string, SignalAnswer<object>][])('never caches %s', async (_label, answer) => {
    const { gateway: g, cache } = gateway();
    await g.execute(request([answer]), { correlator: 'a' });
    expect(cache.size).toBe(0);
    const again = request([OK]);
    await expect(g.execute(again, { correlator: 'b' })).resolves.toMatchObject({ answer: OK, cached: false });
  });

  it('never reuses a "not swapped" answer: a swap made a second later must be seen', async () => {
    const { gateway: g, cache } = gateway({ CACHE_TTL_SIM_SWAP_S: '60' });
    await g.execute(request([NOT_SWAPPED]), { correlator: 'a' });
    expect(cache.size).toBe(0);
    const after = request([OK]);
    await expect(g.execute(after, { correlator: 'b' })).resolves.toEqual({ answer: OK, cached: false, attempts: 1 });
  });

  it.each([
    [false, 0],
    [true, 1],
  ])('reuses a Number Recycling answer only when it found a new holder (recycled %s -> %i entry)', async (recycled, entries) => {
    const { gateway: g, cache } = gateway({ CACHE_TTL_NUMBER_RECYCLING_S: '3600' });
    const check = { ...request([{ status: 'OK', value: { phoneNumberRecycled: recycled } }], { specifiedDate: 1 } as never), signal: 'numberRecycling' as const };
    await g.execute(check, { correlator: 'a' });
    expect(cache.size).toBe(entries);
  });

  it('reuses a tenure answer whatever it says, for its own TTL', async () => {
    const { gateway: g } = gateway({ CACHE_TTL_TENURE_S: '3600' });
    const tenure = (answer: SignalAnswer<object>) => ({ ...request([answer], { tenureDate: 1 } as never), signal: 'tenure' as const, operation: 'checkTenure' });
    await g.execute(tenure({ status: 'OK', value: { tenureDateCheck: true } }), { correlator: 'a' });
    const again = tenure({ status: 'OK', value: { tenureDateCheck: false } });
    await expect(g.execute(again, { correlator: 'b' })).resolves.toMatchObject({ cached: true, answer: { value: { tenureDateCheck: true } } });
    expect(again.call).not.toHaveBeenCalled();
  });

  it('never puts the phone number in a cache key', async () => {
    const { gateway: g, cache } = gateway();
    const set = jest.spyOn(cache, 'set');
    await g.execute(request([OK]), { correlator: 'a' });
    expect(set.mock.calls[0][0]).not.toContain(PHONE);
  });

  it('counts every attempt as a call (retries cost money too)', async () => {
    const { gateway: g } = gateway({ SIGNAL_MAX_ATTEMPTS: '3' });
    const flaky = request([{ status: 'UNAVAILABLE', reason: '503', retryable: true }, OK]);
    await expect(g.execute(flaky, { correlator: 'a' })).resolves.toMatchObject({ answer: OK, attempts: 2 });
    expect(g.usage().simSwap.calls).toBe(2);
  });

  describe('with numbers routed to several gateways', () => {
    // +34 to one operator, +44 to another, nothing else: a bank with two contracts.
    const routing = () => new PrefixRouter([{ prefix: '+34', gateway: 'es' }, { prefix: '+44', gateway: 'uk' }], undefined, () => true, ['es', 'uk']);
    const UK = '+447700900001';
    const FAILURE: SignalAnswer<object> = { status: 'UNAVAILABLE', reason: '503 UNAVAILABLE: down', retryable: false };
    const breakerEnv = { CIRCUIT_FAILURE_THRESHOLD: '2', SIGNAL_MAX_ATTEMPTS: '1' };

    it('answers NO_COVERAGE for a number no gateway serves, without a call, a breaker or the cache', async () => {
      const { gateway: g, cache } = gateway({}, routing());
      const unrouted = request([OK], { maxAge: 24 }, '+12025550100');

      await expect(g.execute(unrouted, { correlator: 'a' })).resolves.toEqual({
        answer: { status: 'NO_COVERAGE', reason: 'no configured gateway serves this number for simSwap' },
        cached: false,
        attempts: 0,
      });
      expect(unrouted.call).not.toHaveBeenCalled();
      expect(cache.size).toBe(0);
      expect(g.usage().simSwap).toEqual({ calls: 0, cacheHits: 0, byStatus: { NO_COVERAGE: 1 } });
      expect(g.status().items.find((item) => item.signal === 'simSwap')?.circuit).toBe('closed');
    });

    it("keeps a breaker per gateway: one gateway's outage opens its circuit, not the other's", async () => {
      const { gateway: g } = gateway(breakerEnv, routing());
      await g.execute(request([FAILURE]), { correlator: 'a' });
      await g.execute(request([FAILURE]), { correlator: 'b' });

      const uk = request([OK], { maxAge: 24 }, UK);
      await expect(g.execute(uk, { correlator: 'c' })).resolves.toMatchObject({ answer: OK });
      const es = request([OK]);
      await expect(g.execute(es, { correlator: 'd' })).resolves.toMatchObject({ answer: { status: 'UNAVAILABLE' }, attempts: 0 });
      expect(es.call).not.toHaveBeenCalled();
      const simSwap = g.status().items.find((item) => item.signal === 'simSwap');
      expect(simSwap?.gateways).toEqual([
        { gateway: 'es', circuit: 'open' },
        { gateway: 'uk', circuit: 'closed' },
      ]);
      expect(simSwap?.circuit).toBe('open');
    });

    it.each<[string, SignalAnswer<object>]>([
      ['consent refused', { status: 'CONSENT_REFUSED', reason: 'access_denied' }],
      ['consent pending', { status: 'CONSENT_PENDING', reason: 'waiting for the holder' }],
      ["a subscriber's token refused", { status: 'UNAVAILABLE', reason: '403 INVALID_TOKEN_CONTEXT: x', retryable: false, perSubscriber: true }],
    ])('never opens the circuit on per-subscriber answers (%s), however many', async (_label, answer) => {
      const { gateway: g } = gateway(breakerEnv, routing());
      for (let i = 0; i < 5; i += 1) {
        const one = request([answer]);
        await expect(g.execute(one, { correlator: `c${i}` })).resolves.toMatchObject({ answer, attempts: 1 });
      }
      expect(g.status().items.find((item) => item.signal === 'simSwap')?.gateways[0]).toEqual({ gateway: 'es', circuit: 'closed' });
      // The breaker also forgot failures before them: two more failures are needed to open it.
      await g.execute(request([FAILURE]), { correlator: 'f1' });
      expect(g.status().items.find((item) => item.signal === 'simSwap')?.gateways[0].circuit).toBe('closed');
    });
  });
});
