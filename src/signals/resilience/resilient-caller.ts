import { SignalAnswer, SignalCallContext, SignalFailure } from '../signal.types';
import { CircuitBreaker } from './circuit-breaker';

export interface RetryOptions {
  /** Timeout of one call to the operator. */
  timeoutMs: number;
  /** Calls at most, the first included. */
  maxAttempts: number;
  /** First backoff; each retry doubles it, with full jitter, capped at maxBackoffMs. */
  baseBackoffMs: number;
  maxBackoffMs: number;
}

export interface CallOutcome<T> {
  answer: SignalAnswer<T>;
  attempts: number;
}

/** Answers the operator gave on purpose: the API works, whatever the answer says. */
const DEFINITIVE = new Set(['OK', 'NOT_SUBSCRIBER', 'NOT_APPLICABLE', 'OUT_OF_RANGE']);

function abortable(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}

/**
 * Calls an operator API with a timeout per call, retries of transient failures (with backoff,
 * jitter and the operator's Retry-After, but never past the decision's deadline), and the API's
 * circuit breaker. It never throws and never waits past the caller's abort signal.
 */
export class ResilientCaller {
  constructor(
    readonly breaker: CircuitBreaker,
    private readonly options: RetryOptions,
    private readonly random: () => number = Math.random,
  ) {}

  async call<T>(call: (ctx: SignalCallContext) => Promise<SignalAnswer<T>>, ctx: SignalCallContext): Promise<CallOutcome<T>> {
    let attempts = 0;
    let last: SignalFailure | undefined;
    for (;;) {
      if (!this.breaker.tryPass()) {
        // Mid-retries, the operator's own failure says more than the circuit that it opened.
        const open: SignalFailure = {
          status: 'UNAVAILABLE',
          reason: `circuit open for ${this.breaker.name} after repeated failures (next probe in ${Math.ceil(this.breaker.retryInMs() / 1000)} s)`,
        };
        return { answer: last ?? open, attempts };
      }
      attempts += 1;
      const answer = await this.attempt(call, ctx);
      if (DEFINITIVE.has(answer.status)) {
        this.breaker.onSuccess();
        return { answer, attempts };
      }
      this.breaker.onFailure();
      last = answer as SignalFailure;
      if (!last.retryable || attempts >= this.options.maxAttempts || ctx.abortSignal?.aborted) return { answer: last, attempts };
      const wait = this.backoff(attempts, last.retryAfterMs);
      if (wait === undefined) {
        const reason = `${last.reason} (Retry-After ${Math.ceil((last.retryAfterMs ?? 0) / 1000)} s is beyond the retry budget)`;
        return { answer: { ...last, reason }, attempts };
      }
      if (ctx.deadlineAt !== undefined && Date.now() + wait >= ctx.deadlineAt) {
        // Waiting would only end at the deadline: answer now, with the operator's own reason.
        const reason = last.retryAfterMs === undefined ? last.reason : `${last.reason} (Retry-After ${Math.ceil(last.retryAfterMs / 1000)} s is past the decision deadline)`;
        return { answer: { ...last, reason }, attempts };
      }
      // The wait ends early at the decision's deadline; the next loop then returns.
      await abortable(wait, ctx.abortSignal);
      if (ctx.abortSignal?.aborted) return { answer: last, attempts };
    }
  }

  /** One call, bounded by the call timeout and the caller's abort signal. */
  private async attempt<T>(
    call: (ctx: SignalCallContext) => Promise<SignalAnswer<T>>,
    ctx: SignalCallContext,
  ): Promise<SignalAnswer<T>> {
    const timeout = AbortSignal.timeout(this.options.timeoutMs);
    const abortSignal = ctx.abortSignal ? AbortSignal.any([ctx.abortSignal, timeout]) : timeout;
    const timedOut = (): SignalFailure => ({
      status: 'UNAVAILABLE',
      reason: timeout.aborted ? `no answer within ${this.options.timeoutMs} ms` : 'the decision deadline passed',
      retryable: timeout.aborted,
    });
    return new Promise<SignalAnswer<T>>((resolve) => {
      // A provider that ignores the abort signal still cannot hold the decision.
      const onAbort = () => resolve(timedOut());
      abortSignal.addEventListener('abort', onAbort, { once: true });
      call({ ...ctx, abortSignal })
        .catch((error: unknown): SignalAnswer<T> => ({ status: 'UNAVAILABLE', reason: `provider error: ${(error as Error).message}`, retryable: true }))
        .then((answer) => {
          abortSignal.removeEventListener('abort', onAbort);
          resolve(abortSignal.aborted && answer.status === 'UNAVAILABLE' ? timedOut() : answer);
        }, () => undefined);
    });
  }

  /**
   * How long to wait before the next try: exponential with full jitter, at least the
   * operator's Retry-After. Undefined when Retry-After asks for longer than the maximum backoff:
   * waiting that long would only eat the decision's deadline.
   */
  private backoff(attempt: number, retryAfterMs?: number): number | undefined {
    const ceiling = Math.min(this.options.maxBackoffMs, this.options.baseBackoffMs * 2 ** (attempt - 1));
    const jittered = Math.round(this.random() * ceiling);
    if (retryAfterMs === undefined) return jittered;
    return retryAfterMs > this.options.maxBackoffMs ? undefined : Math.max(retryAfterMs, jittered);
  }
}
