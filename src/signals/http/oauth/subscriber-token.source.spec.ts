import { Logger } from '@nestjs/common';
import { keyedHash } from '../../../common/phone/phone-number';
import { ConsentPendingError, SubscriberRefusedError, TokenRequestError } from './oauth-endpoint';
import { SubscriberFlow, SubscriberTokenSource } from './subscriber-token.source';
import { flush, track } from '../../../common/testing/promise-state.testing';

const T0 = Date.parse('2026-03-10T12:00:00Z');
const A = '+34600000001';
const B = '+34600000002';
const C = '+34600000003';
const SCOPES = ['dpv:FraudPreventionAndDetection', 'sim-swap'];
const WAIT_MS = 300;
const REFUSAL_TTL_MS = 3_600_000;
const HASH_KEY = 'test-hash-key';

interface Run {
  phoneNumber: string;
  scope: string;
  resolve(value: { token: string; lifetimeS: number }): void;
  reject(error: unknown): void;
}

/** A 3-legged flow that ends when the test says so. */
class FakeFlow implements SubscriberFlow {
  readonly name = 'ciba';
  readonly runs: Run[] = [];

  run(phoneNumber: string, scope: string): Promise<{ token: string; lifetimeS: number }> {
    return new Promise((resolve, reject) => this.runs.push({ phoneNumber, scope, resolve, reject }));
  }
}


describe('SubscriberTokenSource', () => {
  let flow: FakeFlow;
  let now: number;
  let subjectKey: jest.Mock<string, [string]>;
  let logged: string[];

  beforeEach(() => {
    jest.useFakeTimers({ doNotFake: ['setImmediate', 'nextTick'] });
    flow = new FakeFlow();
    now = T0;
    subjectKey = jest.fn((phoneNumber: string) => keyedHash(phoneNumber, HASH_KEY));
    logged = [];
    for (const level of ['debug', 'log', 'warn'] as const) {
      jest.spyOn(Logger.prototype, level).mockImplementation((...args: unknown[]) => {
        logged.push(`${level} ${args.map(String).join(' ')}`);
      });
    }
  });
  afterEach(() => {
    jest.useRealTimers();
    jest.restoreAllMocks();
  });

  const source = (overrides: { maxEntries?: number; flow?: SubscriberFlow } = {}) =>
    new SubscriberTokenSource({
      flow: overrides.flow ?? flow,
      gateway: 'telefonica',
      subjectKey,
      waitMs: WAIT_MS,
      refusalTtlMs: REFUSAL_TTL_MS,
      maxEntries: overrides.maxEntries,
      now: () => now,
    });

  const rejection = async (promise: Promise<unknown>): Promise<unknown> =>
    promise.then(
      () => {
        throw new Error('expected a rejection');
      },
      (error: unknown) => error,
    );

  /** A token for `phoneNumber`, got by running its flow to the end within waitMs. */
  const cache = async (tokens: SubscriberTokenSource, phoneNumber: string, token: string, lifetimeS = 3600) => {
    const call = tokens.token(SCOPES, { phoneNumber });
    flow.runs[flow.runs.length - 1].resolve({ token, lifetimeS });
    expect(await call).toBe(token);
  };

  it('starts one flow for 50 concurrent calls about a cold subscriber, and tells each caller pending after waitMs', async () => {
    const tokens = source();
    const calls = Array.from({ length: 50 }, () => tokens.token(SCOPES, { phoneNumber: A }));
    const states = calls.map(track);

    await jest.advanceTimersByTimeAsync(WAIT_MS - 1);
    expect(states.filter((s) => s.settled)).toHaveLength(0);

    await jest.advanceTimersByTimeAsync(1);
    const outcomes = await Promise.allSettled(calls);
    expect(outcomes.every((o) => o.status === 'rejected' && o.reason instanceof ConsentPendingError)).toBe(true);
    // The decision records this as the signal's CONSENT_PENDING reason.
    expect((outcomes[0] as PromiseRejectedResult).reason.message).toBe("the ciba flow is waiting for the holder's consent");
    expect(flow.runs).toHaveLength(1);
    expect(flow.runs[0]).toMatchObject({ phoneNumber: A, scope: SCOPES.join(' ') });
    expect(tokens.size()).toEqual({ remembered: 0, flows: 1 });
  });

  it('answers every waiting caller with the token when the flow ends within waitMs', async () => {
    const tokens = source();
    const calls = Array.from({ length: 5 }, () => tokens.token(SCOPES, { phoneNumber: A }));

    await jest.advanceTimersByTimeAsync(WAIT_MS - 1);
    flow.runs[0].resolve({ token: 'token-a', lifetimeS: 3600 });

    expect(await Promise.all(calls)).toEqual(Array(5).fill('token-a'));
    expect(flow.runs).toHaveLength(1);
  });

  it('serves the next call from the token that arrived after its callers gave up, without a new flow', async () => {
    const tokens = source();
    const first = tokens.token(SCOPES, { phoneNumber: A });
    await jest.advanceTimersByTimeAsync(WAIT_MS);
    expect(await rejection(first)).toBeInstanceOf(ConsentPendingError);

    flow.runs[0].resolve({ token: 'token-a', lifetimeS: 3600 });
    await flush();

    expect(tokens.size()).toEqual({ remembered: 1, flows: 0 });
    expect(await tokens.token(SCOPES, { phoneNumber: A })).toBe('token-a');
    expect(flow.runs).toHaveLength(1);
  });

  it.each([
    ['another subscriber', B, ['dpv:FraudPreventionAndDetection', 'sim-swap']],
    ['another scope set', A, ['dpv:EnforceSecurity', 'number-recycling:check']],
  ])('starts a flow of its own for %s', async (_what, phoneNumber, scopes) => {
    const tokens = source();
    await cache(tokens, A, 'token-a');

    const other = tokens.token(scopes, { phoneNumber });
    expect(flow.runs).toHaveLength(2);
    expect(flow.runs[1]).toMatchObject({ phoneNumber, scope: scopes.join(' ') });
    flow.runs[1].resolve({ token: 'token-other', lifetimeS: 3600 });

    expect(await other).toBe('token-other');
    expect(await tokens.token(SCOPES, { phoneNumber: A })).toBe('token-a');
  });

  // A second flow for the same scope set would prompt the holder a second time; the
  // client-credentials source keys its cache by the sorted scope set for the same reason.
  it('shares one flow for the same scope set given in another order', async () => {
    const tokens = source();
    await cache(tokens, A, 'token-a');

    const reordered = track(tokens.token([...SCOPES].reverse(), { phoneNumber: A }));
    await jest.advanceTimersByTimeAsync(WAIT_MS);

    expect(flow.runs).toHaveLength(1);
    expect(reordered).toEqual({ settled: true, value: 'token-a' });
  });

  it.each([
    ['consent', 'access_denied'],
    ['unknown_subscriber', 'unknown_user_id'],
  ] as const)('remembers a %s refusal for refusalTtlMs, then starts a new flow', async (kind, code) => {
    const tokens = source();
    const refusal = new SubscriberRefusedError(code, kind);
    const first = tokens.token(SCOPES, { phoneNumber: A });
    flow.runs[0].reject(refusal);
    expect(await rejection(first)).toBe(refusal);

    now = T0 + REFUSAL_TTL_MS - 1;
    expect(await rejection(tokens.token(SCOPES, { phoneNumber: A }))).toBe(refusal);
    expect(flow.runs).toHaveLength(1);

    now = T0 + REFUSAL_TTL_MS;
    const again = tokens.token(SCOPES, { phoneNumber: A });
    expect(flow.runs).toHaveLength(2);
    flow.runs[1].resolve({ token: 'token-after-consent', lifetimeS: 3600 });
    expect(await again).toBe('token-after-consent');
  });

  it('does not remember a flow that failed for another reason: the next call starts a new one', async () => {
    const tokens = source();
    const failure = new TokenRequestError('token endpoint 503', true);
    const first = tokens.token(SCOPES, { phoneNumber: A });
    flow.runs[0].reject(failure);
    expect(await rejection(first)).toBe(failure);

    expect(tokens.size()).toEqual({ remembered: 0, flows: 0 });
    const second = tokens.token(SCOPES, { phoneNumber: A });
    expect(flow.runs).toHaveLength(2);
    flow.runs[1].resolve({ token: 'token-a', lifetimeS: 3600 });
    expect(await second).toBe('token-a');
  });

  it('does not let a flow that fails after its callers left become an unhandled rejection', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      const tokens = source();
      const call = tokens.token(SCOPES, { phoneNumber: A });
      await jest.advanceTimersByTimeAsync(WAIT_MS);
      expect(await rejection(call)).toBeInstanceOf(ConsentPendingError);

      flow.runs[0].reject(new TokenRequestError('token endpoint unreachable', true));
      await flush();
      await flush();
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
    expect(unhandled).toEqual([]);
  });

  it('starts a new flow once the token reaches its refresh time (expiry less the margin)', async () => {
    const tokens = source();
    await cache(tokens, A, 'token-1', 3600);
    const refreshAt = T0 + 3600 * 1000 - 30_000;

    now = refreshAt - 1;
    expect(await tokens.token(SCOPES, { phoneNumber: A })).toBe('token-1');
    expect(flow.runs).toHaveLength(1);

    now = refreshAt;
    const renewed = tokens.token(SCOPES, { phoneNumber: A });
    expect(flow.runs).toHaveLength(2);
    flow.runs[1].resolve({ token: 'token-2', lifetimeS: 3600 });
    expect(await renewed).toBe('token-2');
  });

  it('invalidate(scopes, token, { phoneNumber }) forgets that token only', async () => {
    const tokens = source();
    await cache(tokens, A, 'token-a');
    await cache(tokens, B, 'token-b');

    tokens.invalidate(SCOPES, 'token-a', { phoneNumber: A });

    expect(await tokens.token(SCOPES, { phoneNumber: B })).toBe('token-b');
    const renewed = tokens.token(SCOPES, { phoneNumber: A });
    expect(flow.runs).toHaveLength(3);
    expect(flow.runs[2].phoneNumber).toBe(A);
    flow.runs[2].resolve({ token: 'token-a2', lifetimeS: 3600 });
    expect(await renewed).toBe('token-a2');
  });

  it.each([
    ['a token already replaced', () => ['token-old', { phoneNumber: A }] as const],
    ['another subscriber', () => ['token-a', { phoneNumber: B }] as const],
    ['no phone number', () => ['token-a', {}] as const],
  ])('invalidate() with %s forgets nothing', async (_what, args) => {
    const tokens = source();
    await cache(tokens, A, 'token-a');
    const [token, ctx] = args();

    tokens.invalidate(SCOPES, token, ctx);

    expect(await tokens.token(SCOPES, { phoneNumber: A })).toBe('token-a');
    expect(flow.runs).toHaveLength(1);
  });

  it('keys its memory by the subject hash: the number is in no key, and logged only masked', async () => {
    const tokens = source();
    await cache(tokens, A, 'token-a');
    void tokens.token(SCOPES, { phoneNumber: B }).catch(() => undefined); // a flow in flight
    const internals = tokens as unknown as { entries: Map<string, unknown>; inFlight: Map<string, unknown> };
    const keys = [...internals.entries.keys(), ...internals.inFlight.keys()];

    expect(subjectKey).toHaveBeenCalledWith(A);
    expect(subjectKey).toHaveBeenCalledWith(B);
    expect(keys).toHaveLength(2);
    expect(keys[0]).toContain(keyedHash(A, HASH_KEY));
    expect(keys[1]).toContain(keyedHash(B, HASH_KEY));
    for (const key of keys) {
      expect(key).not.toContain(A.slice(1));
      expect(key).not.toContain(B.slice(1));
    }
    expect(logged.length).toBeGreaterThan(0);
    expect(logged.join('\n')).not.toMatch(/34600000/);
    await jest.advanceTimersByTimeAsync(WAIT_MS);
  });

  it('remembers at most maxEntries subscribers, the oldest out first', async () => {
    const tokens = source({ maxEntries: 2 });
    await cache(tokens, A, 'token-a');
    await cache(tokens, B, 'token-b');
    await cache(tokens, C, 'token-c');

    expect(tokens.size()).toEqual({ remembered: 2, flows: 0 });
    expect(await tokens.token(SCOPES, { phoneNumber: B })).toBe('token-b');
    expect(await tokens.token(SCOPES, { phoneNumber: C })).toBe('token-c');
    expect(flow.runs).toHaveLength(3);

    const evicted = tokens.token(SCOPES, { phoneNumber: A });
    expect(flow.runs).toHaveLength(4);
    flow.runs[3].resolve({ token: 'token-a2', lifetimeS: 3600 });
    expect(await evicted).toBe('token-a2');
  });

  it('lets an aborted caller stop waiting (pending) while the flow goes on for the others and is cached', async () => {
    const tokens = source();
    const controller = new AbortController();
    const impatient = tokens.token(SCOPES, { phoneNumber: A, abortSignal: controller.signal });
    const patient = tokens.token(SCOPES, { phoneNumber: A });
    await jest.advanceTimersByTimeAsync(100);

    controller.abort();
    const pending = await rejection(impatient);
    expect(pending).toBeInstanceOf(ConsentPendingError);
    expect((pending as Error).message).toBe("the ciba flow had not finished when the call's time was up");

    flow.runs[0].resolve({ token: 'token-a', lifetimeS: 3600 });
    expect(await patient).toBe('token-a');
    expect(await tokens.token(SCOPES, { phoneNumber: A })).toBe('token-a');
    expect(flow.runs).toHaveLength(1);
  });

  it('keeps the flow of a caller that aborted alone running, and caches its token', async () => {
    const tokens = source();
    const controller = new AbortController();
    const call = tokens.token(SCOPES, { phoneNumber: A, abortSignal: controller.signal });
    controller.abort();
    expect(await rejection(call)).toBeInstanceOf(ConsentPendingError);

    flow.runs[0].resolve({ token: 'token-a', lifetimeS: 3600 });
    await flush();

    expect(await tokens.token(SCOPES, { phoneNumber: A })).toBe('token-a');
    expect(flow.runs).toHaveLength(1);
  });

  it('starts no flow for a caller whose signal has already aborted, and says it may be retried', async () => {
    const error = await rejection(source().token(SCOPES, { phoneNumber: A, abortSignal: AbortSignal.abort() }));

    expect(error).toBeInstanceOf(TokenRequestError);
    expect(error).toMatchObject({ retryable: true, message: expect.stringMatching(/aborted/) });
    expect(flow.runs).toHaveLength(0);
  });

  it('refuses a call without the subscriber number, starting no flow', async () => {
    const error = await rejection(source().token(SCOPES));

    expect(error).toBeInstanceOf(TokenRequestError);
    expect(error).toMatchObject({ retryable: false, message: 'a 3-legged token needs the subscriber number' });
    expect(flow.runs).toHaveLength(0);
  });

  it.each([
    ['a refusal at level log, since it is news about the subscriber', new SubscriberRefusedError('access_denied', 'consent'), 'log'],
    ['any other failure as a warning, since the gateway or our setup failed', new TokenRequestError('token endpoint 503', true), 'warn'],
  ])('logs %s, naming the gateway, the flow, the masked subscriber and why', async (_what, error, level) => {
    const tokens = source();
    const call = tokens.token(SCOPES, { phoneNumber: A });
    flow.runs[0].reject(error);
    await rejection(call);

    const lines = logged.filter((line) => /^(log|warn) /.test(line));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(new RegExp(`^${level} `));
    for (const part of ['telefonica', 'ciba', '+34******001', error.message]) expect(lines[0]).toContain(part);
  });

  it.each([
    ['the token came within waitMs', async (tokens: SubscriberTokenSource) => cache(tokens, A, 'token-a')],
    [
      'its call was aborted',
      async (tokens: SubscriberTokenSource) => {
        const controller = new AbortController();
        const call = tokens.token(SCOPES, { phoneNumber: A, abortSignal: controller.signal });
        controller.abort();
        await rejection(call);
      },
    ],
  ])('leaves no timer behind once a caller has its answer: %s', async (_what, answered) => {
    await answered(source());

    // Otherwise a busy instance would hold one timer per call for waitMs.
    expect(jest.getTimerCount()).toBe(0);
  });

  it('says it identifies the subject, so clients leave phoneNumber out of the body', () => {
    expect(source().identifiesSubject).toBe(true);
  });

  // SubscriberFlow is an interface: a flow whose run() throws before returning a promise
  // (a synchronous validation, say) is a failed flow like any other and must not stick.
  it('starts a new flow after one whose run() threw synchronously', async () => {
    let calls = 0;
    const throwing: SubscriberFlow = {
      name: 'ciba',
      run: () => {
        calls += 1;
        if (calls === 1) throw new TokenRequestError('configuration fault: cannot sign', false, true);
        return Promise.resolve({ token: 'token-a', lifetimeS: 3600 });
      },
    };
    const tokens = source({ flow: throwing });
    expect(await rejection(tokens.token(SCOPES, { phoneNumber: A }))).toBeInstanceOf(TokenRequestError);

    expect(tokens.size().flows).toBe(0);
    expect(await tokens.token(SCOPES, { phoneNumber: A })).toBe('token-a');
    expect(calls).toBe(2);
  });
});
