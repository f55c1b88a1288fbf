import type { Alarm } from '../common/async/alarm';
/**
 * The contract every network signal shares. A provider never throws for an answer it could not
 * get: it returns a non-OK status, so "unknown" is a value the policy can reason about and the
 * decision can record, never an exception that aborts the evaluation.
 */
export const SIGNAL_STATUSES = [
  /** The operator answered. */
  'OK',
  /** 404 IDENTIFIER_NOT_FOUND: the number is not a subscriber of this operator. */
  'NOT_SUBSCRIBER',
  /** 422 SERVICE_NOT_APPLICABLE: the operator has no such data for this line. */
  'NOT_APPLICABLE',
  /** 400 OUT_OF_RANGE: the question is outside the operator's window. */
  'OUT_OF_RANGE',
  /** The signal could not be had: a failure, a timeout, a configuration fault. */
  'UNAVAILABLE',
  /** The request lacks what the query needs (for example no trustedSince): nothing was asked. */
  'MISSING_INPUT',
  /**
   * No configured gateway serves this number (the routing table has no entry and no default):
   * nothing was asked and nothing billed. Not a failure: the bank has no operator for it.
   */
  'NO_COVERAGE',
  /**
   * The subscriber's 3-legged token flow (CIBA) is still waiting for the holder: the decision
   * did not wait for it, and the token that arrives later serves the next decision.
   */
  'CONSENT_PENDING',
  /** The subscriber refused the 3-legged flow (consent denied, opted out): asked, and answered no. */
  'CONSENT_REFUSED',
] as const;

export type SignalStatus = (typeof SIGNAL_STATUSES)[number];

/** Why a signal has no answer; `retryable` and `retryAfterMs` drive retries and breakers. */
export interface SignalFailure {
  status: Exclude<SignalStatus, 'OK'>;
  reason: string;
  /** A transient failure (429, 5xx, timeout, reset) that may succeed if asked again. */
  retryable?: boolean;
  /** The operator's Retry-After, in milliseconds. */
  retryAfterMs?: number;
  /**
   * An answer about this subscriber (a 3-legged token refused or bound to another line), not
   * about the gateway: it is not retried and never counts toward the circuit breaker.
   */
  perSubscriber?: boolean;
}

export type SignalAnswer<T> = { status: 'OK'; value: T } | SignalFailure;

export const SIGNAL_NAMES = ['tenure', 'numberRecycling', 'simSwap', 'deviceSwap'] as const;
export type SignalName = (typeof SIGNAL_NAMES)[number];

/** What a provider call may use besides the query: the decision's correlator, for tracing. */
export interface SignalCallContext {
  correlator: string;
  /** Aborted when the call's timeout or the decision's deadline passes: stop waiting. */
  abortSignal?: AbortSignal;
  /**
   * Rings when the decision's deadline passes: what the resilient caller waits on, in place of
   * `abortSignal` (cheaper; see Alarm). It gives each provider call an `abortSignal` of its own.
   */
  deadlineAlarm?: Alarm;
  /** When the decision's deadline passes (epoch ms): no retry is worth starting after it. */
  deadlineAt?: number;
  /** W3C trace context of the signal query's span, sent to the operator (src/tracing/). */
  traceparent?: string;
  tracestate?: string;
}

/**
 * The context with an `abortSignal` that `make` builds when the provider first reads it, once:
 * an AbortSignal is an EventTarget on Node 20, about 1 us to make, and the built-in sandbox
 * never reads it.
 */
export function withAbortSignalOnRead(ctx: SignalCallContext, make: () => AbortSignal): SignalCallContext {
  let signal: AbortSignal | undefined;
  return {
    ...ctx,
    get abortSignal() {
      return (signal ??= make());
    },
  };
}

export function ok<T>(value: T): SignalAnswer<T> {
  return { status: 'OK', value };
}

export function notOk<T>(status: Exclude<SignalStatus, 'OK'>, reason: string): SignalAnswer<T> {
  return { status, reason };
}
