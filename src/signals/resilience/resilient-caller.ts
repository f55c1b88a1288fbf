import { Alarm, alarmOf } from '../../common/async/alarm';
import { SignalAnswer, SignalCallContext, SignalFailure, withAbortSignalOnRead } from '../signal.types';
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
  /** Calls made to the operator (0 when refused or not asked). */
  attempts: number;
}

/**
 * Answers the gateway gave on purpose: the API works, whatever the answer says. Consent
 * answers and no coverage are about the subscriber, never the gateway's health.
 */
const DEFINITIVE = new Set(['OK', 'NOT_SUBSCRIBER', 'NOT_APPLICABLE', 'OUT_OF_RANGE', 'NO_COVERAGE', 'CONSENT_PENDING', 'CONSENT_REFUSED']);

function isDefinitive(answer: SignalAnswer<unknown>): boolean {
  return DEFINITIVE.has(answer.status) || (answer as SignalFailure).perSubscriber === true;
}

/** How one call ended: with an answer, at the call's own timeout, or at the decision's deadline. */
type Attempt<T> = { answer: SignalAnswer<T>; end: 'answer' | 'timeout' | 'deadline' };

function abortable(ms: number, deadline?: Alarm): Promise<void> {
  return new Promise((resolve) => {
    if (deadline?.rung) return resolve();
    const timer = setTimeout(done, ms);
    const stopListening = deadline?.onRing(done);
    function done() {
      clearTimeout(timer);
      stopListening?.();
      resolve();
    }
  });
}

/** The decision's deadline as the caller gave it: its alarm, else its abort signal. */
function deadlineOf(ctx: SignalCallContext): Alarm | undefined {
  return ctx.deadlineAlarm ?? (ctx.abortSignal && alarmOf(ctx.abortSignal));
}

/**
 * Calls an operator API with a timeout per call, retries of transient failures (with backoff,
 * jitter and the operator's Retry-After, but never past the decision's deadline), and the API's
 * circuit breaker. It never throws and never waits past the caller's abort signal.
 *
 * The breaker hears one outcome per query, not per retry, and nothing about a call that our
 * own deadline cut short: that says nothing about the operator.
 */
export class ResilientCaller {
  constructor(
    readonly breaker: CircuitBreaker,
    private readonly options: RetryOptions,
    private readonly random: () => number = Math.random,
    private readonly now: () => number = Date.now,
  ) {}

  async call<T>(call: (ctx: SignalCallContext) => Promise<SignalAnswer<T>>, ctx: SignalCallContext): Promise<CallOutcome<T>> {
    let attempts = 0;
    let last: SignalFailure | undefined;
    const deadline = deadlineOf(ctx);
    for (;;) {
      if (deadline?.rung) {
        return { answer: last ?? { status: 'UNAVAILABLE', reason: 'not asked: the decision deadline had passed' }, attempts };
      }
      const ticket = this.breaker.tryPass();
      // Mid-retries, the operator's own failure says more than the circuit that it opened.
      if (!ticket) return { answer: last ?? { status: 'UNAVAILABLE', reason: this.breaker.refusal() }, attempts };
      attempts += 1;
      const { answer, end } = await this.attempt(call, ctx, deadline);
      if (isDefinitive(answer)) {
        this.breaker.onSuccess(ticket);
        return { answer, attempts };
      }
      last = answer as SignalFailure;
      if (last.retryAfterMs !== undefined) this.breaker.pauseUntil(this.now() + last.retryAfterMs);
      if (end === 'deadline') {
        this.breaker.release(ticket);
        return { answer: last, attempts };
      }
      const retry = this.retryWait(last, attempts, ctx);
      if (typeof retry !== 'number') {
        this.breaker.onFailure(ticket);
        return { answer: retry, attempts };
      }
      // A failed probe reopens the circuit at once; other attempts count once, at the end.
      if (ticket.probe) this.breaker.onFailure(ticket);
      await abortable(retry, deadline);
      // A timer can fire before the wall-clock time it was set for (libuv counts from the event
      // loop's cached time, stale under load): finish the operator's pause rather than have
      // the breaker refuse the retry the wait was for.
      const pausedFor = this.breaker.pausedForMs();
      if (pausedFor > 0 && pausedFor <= retry) await abortable(pausedFor, deadline);
    }
  }

  /** How long to wait before retrying `failure`, or the final answer when there is no retry. */
  private retryWait(failure: SignalFailure, attempts: number, ctx: SignalCallContext): number | SignalFailure {
    if (!failure.retryable || attempts >= this.options.maxAttempts) return failure;
    const wait = this.backoff(attempts, failure.retryAfterMs);
    const after = (failure.retryAfterMs ?? 0) / 1000;
    if (wait === undefined) return { ...failure, reason: `${failure.reason} (Retry-After ${Math.ceil(after)} s is beyond the retry budget)` };
    if (ctx.deadlineAt !== undefined && this.now() + wait >= ctx.deadlineAt) {
      // Waiting would only end at the deadline: answer now, with the operator's own reason.
      if (failure.retryAfterMs === undefined) return failure;
      return { ...failure, reason: `${failure.reason} (Retry-After ${Math.ceil(after)} s is past the decision deadline)` };
    }
    return wait;
  }

  /**
   * One call, bounded by the call timeout and the caller's abort signal. A plain timer that is
   * cleared when the answer comes, rather than AbortSignal.timeout: that one would still fire
   * (and build an abort event) long after every successful call.
   */
  private attempt<T>(call: (ctx: SignalCallContext) => Promise<SignalAnswer<T>>, ctx: SignalCallContext, deadline?: Alarm): Promise<Attempt<T>> {
    // Made when the provider first reads the call's signal (see withAbortSignalOnRead).
    let controller: AbortController | undefined;
    let end: Attempt<T>['end'] | undefined;
    let stopListening: (() => void) | undefined;
    return new Promise<Attempt<T>>((resolve) => {
      const finish = (result: Attempt<T>) => {
        clearTimeout(timer);
        stopListening?.();
        resolve(result);
      };
      const cut = (why: 'timeout' | 'deadline') => {
        // Stryker disable next-line ConditionalExpression: finish clears the timer and removes the abort listener, the only ways cut is called again
        if (end) return;
        end = why;
        controller?.abort();
        finish(
          why === 'timeout'
            ? { answer: { status: 'UNAVAILABLE', reason: `no answer within ${this.options.timeoutMs} ms`, retryable: true }, end: why }
            : { answer: { status: 'UNAVAILABLE', reason: 'the decision deadline passed before the operator answered' }, end: why },
        );
      };
      const timer = setTimeout(() => cut('timeout'), this.options.timeoutMs);
      // Stryker disable next-line ConditionalExpression: call() checked the deadline just before, with no await in between
      if (deadline?.rung) return cut('deadline');
      stopListening = deadline?.onRing(() => cut('deadline'));
      const callCtx = withAbortSignalOnRead(ctx, () => {
        controller = new AbortController();
        // First read after a cut (a provider that looks only once it is done): aborted already.
        if (end === 'timeout' || end === 'deadline') controller.abort();
        return controller.signal;
      });
      // A provider that ignores the abort signal still cannot hold the decision: `cut` answers.
      call(callCtx)
        .catch((error: unknown): SignalAnswer<T> => ({ status: 'UNAVAILABLE', reason: `provider error: ${(error as Error).message}`, retryable: true }))
        .then((answer) => {
          // Stryker disable next-line ConditionalExpression: after a cut the promise is settled and finish's clean-up already done, so finishing again changes nothing
          if (end) return;
          end = 'answer';
          finish({ answer, end: 'answer' });
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
