import { getEventListeners } from 'node:events';
import { AlarmBell } from '../../common/async/alarm';
import { SignalAnswer, SignalCallContext, SignalFailure } from '../signal.types';
import { CircuitBreaker } from './circuit-breaker';
import { ResilientCaller } from './resilient-caller';

const OK: SignalAnswer<{ swapped: boolean }> = { status: 'OK', value: { swapped: false } };
const busy = (extra: Partial<SignalFailure> = {}): SignalFailure => ({ status: 'UNAVAILABLE', reason: '503 UNAVAILABLE: busy', retryable: true, ...extra });

function caller(options: Partial<{ timeoutMs: number; maxAttempts: number; baseBackoffMs: number; maxBackoffMs: number; threshold: number }> = {}) {
  const breaker = new CircuitBreaker('simSwap', { failureThreshold: options.threshold ?? 100, openMs: 60_000 });
  return new ResilientCaller(
    breaker,
    { timeoutMs: options.timeoutMs ?? 200, maxAttempts: options.maxAttempts ?? 3, baseBackoffMs: options.baseBackoffMs ?? 1, maxBackoffMs: options.maxBackoffMs ?? 20 },
    () => 0.5,
  );
}

/** A provider answering from a script, one answer per call. */
function scripted(...answers: (SignalAnswer<{ swapped: boolean }> | 'hang' | Error)[]) {
  const calls: SignalCallContext[] = [];
  const call = jest.fn(async (ctx: SignalCallContext) => {
    calls.push(ctx);
    const next = answers[Math.min(calls.length - 1, answers.length - 1)];
    if (next === 'hang') return new Promise<never>(() => undefined);
    if (next instanceof Error) throw next;
    return next;
  });
  return { call, calls };
}

const CTX: SignalCallContext = { correlator: 'c-1' };

describe('ResilientCaller', () => {
  it('retries transient failures and returns the answer that finally came', async () => {
    const { call } = scripted(busy(), busy(), OK);
    await expect(caller().call(call, CTX)).resolves.toEqual({ answer: OK, attempts: 3 });
  });

  it('gives up after maxAttempts with the last failure', async () => {
    const { call } = scripted(busy());
    const outcome = await caller({ maxAttempts: 2 }).call(call, CTX);
    expect(outcome).toEqual({ answer: busy(), attempts: 2 });
  });

  it.each([
    ['NOT_SUBSCRIBER', { status: 'NOT_SUBSCRIBER', reason: '404 IDENTIFIER_NOT_FOUND' }],
    ['a configuration fault', { status: 'UNAVAILABLE', reason: '403 PERMISSION_DENIED', retryable: false }],
  ] as [string, SignalAnswer<{ swapped: boolean }>][])('does not retry %s', async (_label, answer) => {
    const { call } = scripted(answer);
    await expect(caller().call(call, CTX)).resolves.toEqual({ answer, attempts: 1 });
  });

  it('times a silent operator out, as a retryable failure, and retries it', async () => {
    const { call } = scripted('hang', OK);
    const outcome = await caller({ timeoutMs: 30 }).call(call, CTX);
    expect(outcome).toEqual({ answer: OK, attempts: 2 });
  });

  it('passes an abort signal that fires at the call timeout', async () => {
    const { call, calls } = scripted('hang');
    const outcome = await caller({ timeoutMs: 20, maxAttempts: 1 }).call(call, CTX);
    expect(outcome.answer).toMatchObject({ status: 'UNAVAILABLE', reason: 'no answer within 20 ms' });
    expect(calls[0].abortSignal?.aborted).toBe(true);
    expect(calls[0].correlator).toBe('c-1');
  });

  it('aborts, at the call timeout, the signal a provider took when it was called', async () => {
    let aborted: Promise<unknown> | undefined;
    const call = (ctx: SignalCallContext) => {
      const signal = ctx.abortSignal;
      aborted = new Promise((resolve) => signal?.addEventListener('abort', () => resolve(signal.reason), { once: true }));
      return new Promise<SignalAnswer<{ swapped: boolean }>>(() => undefined);
    };
    await caller({ timeoutMs: 20, maxAttempts: 1 }).call(call, CTX);
    await expect(aborted).resolves.toMatchObject({ name: 'AbortError' });
  });

  it('gives each attempt a signal of its own: a retry\'s is not the aborted one of the attempt timed out', async () => {
    const { call, calls } = scripted('hang', OK);
    await caller({ timeoutMs: 20 }).call(call, CTX);
    expect(calls.map((c) => c.abortSignal?.aborted)).toEqual([true, false]);
  });

  it('honours Retry-After: waits at least that long before the next call', async () => {
    const { call } = scripted(busy({ retryAfterMs: 60 }), OK);
    const started = Date.now();
    const outcome = await caller({ maxBackoffMs: 1000 }).call(call, CTX);
    expect(outcome.answer).toEqual(OK);
    expect(Date.now() - started).toBeGreaterThanOrEqual(55);
  });

  it('still retries after Retry-After when the wait timer fires before the wall clock reaches the pause end', async () => {
    // libuv times from the loop's cached time: under load a timer fires "early" by Date.now().
    let clock = 1_000_000;
    const breaker = new CircuitBreaker('simSwap', { failureThreshold: 100, openMs: 60_000 }, () => clock);
    const early = new ResilientCaller(breaker, { timeoutMs: 200, maxAttempts: 3, baseBackoffMs: 1, maxBackoffMs: 1000 }, () => 0.5, () => clock);
    const { call } = scripted(busy({ retryAfterMs: 60 }), OK);
    const realSetTimeout = global.setTimeout;
    const waits: number[] = [];
    const timers = jest.spyOn(global, 'setTimeout').mockImplementation(((done: () => void, ms: number) => {
      if (ms === 200) return realSetTimeout(done, ms); // the call timeout, never reached
      waits.push(ms);
      clock += ms === 60 ? 55 : ms; // the 60 ms wait ends 5 ms short of the pause
      return realSetTimeout(done, 0);
    }) as typeof setTimeout);
    try {
      await expect(early.call(call, CTX)).resolves.toEqual({ answer: OK, attempts: 2 });
      expect(waits).toEqual([60, 5]);
    } finally {
      timers.mockRestore();
    }
  });

  it('does not retry when Retry-After is beyond the retry budget', async () => {
    const { call } = scripted(busy({ retryAfterMs: 30_000 }), OK);
    const outcome = await caller({ maxBackoffMs: 1000 }).call(call, CTX);
    expect(outcome.attempts).toBe(1);
    expect(outcome.answer).toMatchObject({ status: 'UNAVAILABLE', reason: expect.stringContaining('Retry-After 30 s') });
  });

  describe('on fake timers', () => {
    beforeEach(() => jest.useFakeTimers());
    afterEach(() => jest.useRealTimers());

    /** The call's outcome, and whether it has settled yet. */
    function track<T>(promise: Promise<T>) {
      const tracked = { settled: false, outcome: promise };
      void promise.then(() => (tracked.settled = true));
      return tracked;
    }

    it('stops waiting and retrying when the decision deadline passes', async () => {
      const { call } = scripted('hang');
      const deadline = new AbortController();
      setTimeout(() => deadline.abort(), 40);
      const running = track(caller({ timeoutMs: 10_000 }).call(call, { correlator: 'c', abortSignal: deadline.signal }));
      await jest.advanceTimersByTimeAsync(39);
      expect(running.settled).toBe(false);
      // At the deadline, not at the 10 s call timeout.
      await jest.advanceTimersByTimeAsync(1);
      expect(running.settled).toBe(true);
      expect(await running.outcome).toEqual({ answer: expect.objectContaining({ status: 'UNAVAILABLE', reason: 'the decision deadline passed before the operator answered' }), attempts: 1 });
    });

    it('does not start a wait that would end past the decision deadline: answers with the operator reason', async () => {
      const { call } = scripted(busy({ retryAfterMs: 500 }), OK);
      const running = track(caller({ maxBackoffMs: 1000 }).call(call, { correlator: 'c', deadlineAt: Date.now() + 200 }));
      // Answered without any time passing: no wait was started.
      await jest.advanceTimersByTimeAsync(0);
      expect(running.settled).toBe(true);
      expect(await running.outcome).toEqual({ answer: expect.objectContaining({ reason: expect.stringMatching(/503 UNAVAILABLE: busy .*past the decision deadline/) }), attempts: 1 });
      expect(call).toHaveBeenCalledTimes(1);
    });

    it('doubles the backoff ceiling with each retry, with jitter drawn within it', async () => {
      // Random 0.5: half the ceiling, 100 ms then 200 ms.
      const { call } = scripted(busy(), busy(), OK);
      const running = track(caller({ baseBackoffMs: 100, maxBackoffMs: 10_000 }).call(call, CTX));
      await jest.advanceTimersByTimeAsync(49);
      expect(call).toHaveBeenCalledTimes(1);
      await jest.advanceTimersByTimeAsync(1);
      expect(call).toHaveBeenCalledTimes(2);
      await jest.advanceTimersByTimeAsync(99);
      expect(call).toHaveBeenCalledTimes(2);
      await jest.advanceTimersByTimeAsync(1);
      expect(call).toHaveBeenCalledTimes(3);
      expect(await running.outcome).toEqual({ answer: OK, attempts: 3 });
    });

    it('retries after a Retry-After equal to the maximum backoff, and not before it', async () => {
      const { call } = scripted(busy({ retryAfterMs: 1000 }), OK);
      const running = track(caller({ maxBackoffMs: 1000 }).call(call, CTX));
      await jest.advanceTimersByTimeAsync(999);
      expect(call).toHaveBeenCalledTimes(1);
      await jest.advanceTimersByTimeAsync(1);
      expect(await running.outcome).toEqual({ answer: OK, attempts: 2 });
    });

    it('waits for a Retry-After that ends before the decision deadline', async () => {
      const { call } = scripted(busy({ retryAfterMs: 500 }), OK);
      const running = track(caller({ maxBackoffMs: 1000 }).call(call, { correlator: 'c', deadlineAt: Date.now() + 501 }));
      await jest.advanceTimersByTimeAsync(500);
      expect(await running.outcome).toEqual({ answer: OK, attempts: 2 });
    });

    it('does not start a wait that would end exactly at the decision deadline', async () => {
      const { call } = scripted(busy({ retryAfterMs: 500 }), OK);
      const running = track(caller({ maxBackoffMs: 1000 }).call(call, { correlator: 'c', deadlineAt: Date.now() + 500 }));
      await jest.advanceTimersByTimeAsync(0);
      expect(running.settled).toBe(true);
      expect(await running.outcome).toEqual({ answer: expect.objectContaining({ reason: expect.stringContaining('past the decision deadline') }), attempts: 1 });
    });

    it("answers with the operator's failure as it is when its backoff would end past the decision deadline", async () => {
      // Random 0.5 of a 1000 ms ceiling: a 500 ms wait, past a deadline 300 ms away.
      const { call } = scripted(busy(), OK);
      const running = track(caller({ baseBackoffMs: 1000, maxBackoffMs: 1000 }).call(call, { correlator: 'c', deadlineAt: Date.now() + 300 }));
      await jest.advanceTimersByTimeAsync(0);
      expect(await running.outcome).toEqual({ answer: busy(), attempts: 1 });
    });

    it('stops a backoff wait at the decision deadline', async () => {
      const { call } = scripted(busy(), OK);
      const deadline = new AbortController();
      setTimeout(() => deadline.abort(), 100);
      // Random 0.5 of a 1000 ms ceiling: a 500 ms wait, cut at 100 ms.
      const running = track(caller({ baseBackoffMs: 1000, maxBackoffMs: 1000 }).call(call, { correlator: 'c', abortSignal: deadline.signal }));
      await jest.advanceTimersByTimeAsync(99);
      expect(running.settled).toBe(false);
      await jest.advanceTimersByTimeAsync(1);
      expect(running.settled).toBe(true);
      expect(await running.outcome).toEqual({ answer: busy(), attempts: 1 });
      expect(call).toHaveBeenCalledTimes(1);
    });

    it("stops a Retry-After wait at the decision deadline, without sitting out the rest of the operator's pause", async () => {
      const { call } = scripted(busy({ retryAfterMs: 500 }), OK);
      const deadline = new AbortController();
      setTimeout(() => deadline.abort(), 100);
      const running = track(caller({ maxBackoffMs: 1000 }).call(call, { correlator: 'c', abortSignal: deadline.signal }));
      await jest.advanceTimersByTimeAsync(99);
      expect(running.settled).toBe(false);
      await jest.advanceTimersByTimeAsync(1);
      expect(running.settled).toBe(true);
      expect(await running.outcome).toEqual({ answer: busy({ retryAfterMs: 500 }), attempts: 1 });
    });

    it('leaves no listener on the decision abort signal once it has answered', async () => {
      const { call } = scripted(busy(), OK);
      const deadline = new AbortController();
      const running = track(caller().call(call, { correlator: 'c', abortSignal: deadline.signal }));
      await jest.advanceTimersByTimeAsync(1000);
      expect(await running.outcome).toEqual({ answer: OK, attempts: 2 });
      expect(getEventListeners(deadline.signal, 'abort')).toHaveLength(0);
    });

    it("answers with its own failure rather than sit out another query's longer Retry-After", async () => {
      const c = caller({ baseBackoffMs: 20, maxBackoffMs: 1000 });
      // Both queries are admitted before either answer comes back.
      const mine = track(c.call(scripted(busy(), OK).call, CTX));
      const other = track(c.call(scripted(busy({ retryAfterMs: 5000 })).call, CTX));
      await jest.advanceTimersByTimeAsync(0);
      expect(other.settled).toBe(true);
      // Random 0.5 of a 20 ms ceiling: 10 ms, after which the API is still paused for 4990 ms.
      await jest.advanceTimersByTimeAsync(10);
      expect(mine.settled).toBe(true);
      expect(await mine.outcome).toEqual({ answer: busy(), attempts: 1 });
    });

    it("finishes the operator's whole pause when the wait timer fired before the clock moved at all", async () => {
      let clock = 1_000_000;
      const breaker = new CircuitBreaker('simSwap', { failureThreshold: 100, openMs: 60_000 }, () => clock);
      const stale = new ResilientCaller(breaker, { timeoutMs: 200, maxAttempts: 3, baseBackoffMs: 1, maxBackoffMs: 1000 }, () => 0.5, () => clock);
      const { call } = scripted(busy({ retryAfterMs: 60 }), OK);
      const running = track(stale.call(call, CTX));
      await jest.advanceTimersByTimeAsync(60);
      expect(running.settled).toBe(false);
      clock += 60;
      await jest.advanceTimersByTimeAsync(60);
      expect(await running.outcome).toEqual({ answer: OK, attempts: 2 });
    });
  });

  it('turns a provider that throws into a retryable UNAVAILABLE', async () => {
    const { call } = scripted(new Error('socket hang up'), OK);
    await expect(caller().call(call, CTX)).resolves.toEqual({ answer: OK, attempts: 2 });
  });

  it("explains a provider that throws with the provider's error", async () => {
    const { call } = scripted(new Error('socket hang up'));
    await expect(caller({ maxAttempts: 1 }).call(call, CTX)).resolves.toEqual({
      answer: { status: 'UNAVAILABLE', reason: 'provider error: socket hang up', retryable: true },
      attempts: 1,
    });
  });

  it('opens the circuit after repeated failures and then refuses without calling', async () => {
    const c = caller({ maxAttempts: 1, threshold: 2 });
    const { call } = scripted(busy());
    await c.call(call, CTX);
    await c.call(call, CTX);
    expect(c.breaker.state).toBe('open');
    const refused = await c.call(call, CTX);
    expect(call).toHaveBeenCalledTimes(2);
    expect(refused).toEqual({ answer: expect.objectContaining({ status: 'UNAVAILABLE', reason: expect.stringContaining('circuit open for simSwap') }), attempts: 0 });
  });

  it('tells the breaker one failure per query, however many retries it took', async () => {
    const c = caller({ maxAttempts: 3, threshold: 2 });
    const { call } = scripted(busy());
    await c.call(call, CTX);
    expect(call).toHaveBeenCalledTimes(3);
    expect(c.breaker.state).toBe('closed');
    await c.call(call, CTX);
    expect(c.breaker.state).toBe('open');
  });

  it('does not hold a call cut by our own deadline against the operator', async () => {
    const c = caller({ timeoutMs: 10_000, threshold: 1 });
    const { call } = scripted('hang');
    await c.call(call, { correlator: 'c', abortSignal: AbortSignal.timeout(20) });
    expect(c.breaker.state).toBe('closed');
  });

  it('asks nothing, and counts nothing, once the deadline has passed', async () => {
    const c = caller({ threshold: 1 });
    const { call } = scripted(OK);
    const outcome = await c.call(call, { correlator: 'c', abortSignal: AbortSignal.abort() });
    expect(call).not.toHaveBeenCalled();
    expect(outcome).toEqual({ answer: { status: 'UNAVAILABLE', reason: 'not asked: the decision deadline had passed' }, attempts: 0 });
    expect(c.breaker.state).toBe('closed');
  });

  it("pauses the API for the operator's Retry-After, across queries", async () => {
    const c = caller({ maxAttempts: 1 });
    const { call } = scripted(busy({ retryAfterMs: 60_000 }), OK);
    await c.call(call, CTX);
    const next = await c.call(call, CTX);
    expect(call).toHaveBeenCalledTimes(1);
    expect(next).toEqual({ answer: expect.objectContaining({ reason: expect.stringContaining('Retry-After') }), attempts: 0 });
  });
});

/** The decision's deadline as the signal collector gives it: an alarm (ctx.deadlineAlarm), not an AbortSignal. */
describe('ResilientCaller with the decision deadline as an alarm', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  /** An alarm ringing in `ms`, which counts the listeners it holds. */
  function deadlineIn(ms: number) {
    const bell = new AlarmBell();
    const listening = new Set<() => void>();
    const alarm = {
      get rung() {
        return bell.rung;
      },
      onRing(listener: () => void) {
        listening.add(listener);
        const remove = bell.onRing(listener);
        return () => {
          listening.delete(listener);
          remove();
        };
      },
    };
    setTimeout(() => bell.ring(), ms);
    return { ctx: { correlator: 'c', deadlineAlarm: alarm }, listening };
  }
  const settled = <T>(promise: Promise<T>) => {
    const state = { done: false };
    void promise.then(() => (state.done = true));
    return state;
  };

  it('cuts a call in flight when it rings, and aborts the signal the provider was given', async () => {
    const { call, calls } = scripted('hang');
    const { ctx, listening } = deadlineIn(40);
    const outcome = caller({ timeoutMs: 10_000 }).call(call, ctx);
    const state = settled(outcome);
    await jest.advanceTimersByTimeAsync(39);
    expect(state.done).toBe(false);
    await jest.advanceTimersByTimeAsync(1);
    expect(await outcome).toEqual({ answer: { status: 'UNAVAILABLE', reason: 'the decision deadline passed before the operator answered' }, attempts: 1 });
    expect(calls[0].abortSignal?.aborted).toBe(true);
    expect(listening.size).toBe(0);
  });

  it('cuts a backoff wait when it rings, and calls no more', async () => {
    const { call } = scripted(busy(), OK);
    const { ctx } = deadlineIn(100);
    // Random 0.5 of a 1000 ms ceiling: a 500 ms wait, cut at 100 ms.
    const outcome = caller({ baseBackoffMs: 1000, maxBackoffMs: 1000 }).call(call, ctx);
    const state = settled(outcome);
    await jest.advanceTimersByTimeAsync(99);
    expect(state.done).toBe(false);
    await jest.advanceTimersByTimeAsync(1);
    expect(await outcome).toEqual({ answer: busy(), attempts: 1 });
    expect(call).toHaveBeenCalledTimes(1);
  });

  it('asks nothing once it has rung', async () => {
    const { call } = scripted(OK);
    const { ctx } = deadlineIn(0);
    await jest.advanceTimersByTimeAsync(0);
    const outcome = await caller().call(call, ctx);
    expect(call).not.toHaveBeenCalled();
    expect(outcome).toEqual({ answer: { status: 'UNAVAILABLE', reason: 'not asked: the decision deadline had passed' }, attempts: 0 });
  });

  it('holds no listener once it has answered, after a retry', async () => {
    const { call } = scripted(busy(), OK);
    const { ctx, listening } = deadlineIn(60_000);
    const outcome = caller().call(call, ctx);
    await jest.advanceTimersByTimeAsync(1000);
    expect(await outcome).toEqual({ answer: OK, attempts: 2 });
    expect(listening.size).toBe(0);
  });
});
