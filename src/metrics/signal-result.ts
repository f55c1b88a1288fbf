import { SignalAnswer, SignalStatus } from '../signals/signal.types';

/**
 * Why an UNAVAILABLE signal had no answer, in a few fixed words: the free-text reasons name
 * durations and operator messages, which would make a label of unbounded cardinality.
 */
export const UNAVAILABLE_CAUSES = [
  /** The API's circuit breaker refused the call (open, or paused by the operator's Retry-After). */
  'circuit_open',
  /** The decision's deadline came first: not asked, or cut before the operator answered. */
  'deadline',
  /** A call got no answer within SIGNAL_TIMEOUT_MS. */
  'timeout',
  /** Credentials, scopes or API root refused by the operator: someone must fix the set-up. */
  'configuration',
  /** No access token from the token endpoint. */
  'token',
  /** Refused or reset connections, DNS failures. */
  'network',
  /** The operator answered an HTTP error (5xx, 429...) or an unreadable 200. */
  'operator_error',
  /** Anything else (a provider bug). */
  'other',
] as const;
export type UnavailableCause = (typeof UNAVAILABLE_CAUSES)[number];

/** The `result` label of a signal query: a status, a cache hit, or unavailable with its cause. */
export type SignalResult = 'ok' | 'cache_hit' | Lowercase<Exclude<SignalStatus, 'OK' | 'UNAVAILABLE'>> | `unavailable_${UnavailableCause}`;

/**
 * Reads the cause from the reason texts the resilient caller, the breaker and the CAMARA
 * clients write (see their tests); a text this does not know counts as `other`, never as a new
 * label value.
 */
export function unavailableCause(reason: string): UnavailableCause {
  // Prefixes only: an operator's own message or a Retry-After note may say "deadline" too.
  if (reason.startsWith('circuit open for ') || /^\w+: the operator asked to wait \(Retry-After\)/.test(reason)) return 'circuit_open';
  if (reason.startsWith('not asked: the decision deadline') || reason.startsWith('the decision deadline passed')) return 'deadline';
  if (reason.startsWith('no answer within ') || reason.startsWith('timeout/aborted')) return 'timeout';
  if (reason.startsWith('configuration fault')) return 'configuration';
  if (reason.startsWith('no access token')) return 'token';
  if (reason.startsWith('network error')) return 'network';
  if (/^\d{3} /.test(reason) || reason.startsWith('malformed 200 response')) return 'operator_error';
  return 'other';
}

export function signalResult(answer: SignalAnswer<unknown>, cached: boolean): SignalResult {
  if (cached) return 'cache_hit';
  switch (answer.status) {
    case 'OK':
      return 'ok';
    case 'UNAVAILABLE':
      return `unavailable_${unavailableCause(answer.reason)}`;
    case 'NOT_SUBSCRIBER':
      return 'not_subscriber';
    case 'NOT_APPLICABLE':
      return 'not_applicable';
    case 'OUT_OF_RANGE':
      return 'out_of_range';
    case 'MISSING_INPUT':
      return 'missing_input';
    case 'NO_COVERAGE':
      return 'no_coverage';
    case 'CONSENT_PENDING':
      return 'consent_pending';
    case 'CONSENT_REFUSED':
      return 'consent_refused';
  }
}
