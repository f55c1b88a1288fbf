import { CircuitBreaker, CircuitTicket } from '../signals/resilience/circuit-breaker';
import { ResilientCaller } from '../signals/resilience/resilient-caller';
import { SignalAnswer } from '../signals/signal.types';
import { signalResult, unavailableCause } from './signal-result';

const retry = { timeoutMs: 1000, maxAttempts: 1, baseBackoffMs: 1, maxBackoffMs: 1 };
const unavailable = (reason: string): SignalAnswer<unknown> => ({ status: 'UNAVAILABLE', reason });

describe('signal query result label', () => {
  it.each([
    [{ status: 'OK', value: {} }, false, 'ok'],
    [{ status: 'OK', value: {} }, true, 'cache_hit'],
    [{ status: 'NOT_SUBSCRIBER', reason: '404 IDENTIFIER_NOT_FOUND: x' }, false, 'not_subscriber'],
    [{ status: 'NOT_APPLICABLE', reason: '422 SERVICE_NOT_APPLICABLE: x' }, false, 'not_applicable'],
    [{ status: 'OUT_OF_RANGE', reason: '400 OUT_OF_RANGE: x' }, false, 'out_of_range'],
    [{ status: 'MISSING_INPUT', reason: 'no trustedSince' }, false, 'missing_input'],
    [unavailable('503 UNAVAILABLE: down for maintenance'), false, 'unavailable_operator_error'],
  ] as [SignalAnswer<unknown>, boolean, string][])('%j (cached: %s) is %s', (answer, cached, result) => {
    expect(signalResult(answer, cached)).toBe(result);
  });

  it.each([
    ['no answer within 1500 ms', 'timeout'],
    ['timeout/aborted: SIM Swap check', 'timeout'],
    ['the decision deadline passed before the operator answered', 'deadline'],
    ['configuration fault: 403 PERMISSION_DENIED: scope missing', 'configuration'],
    ['no access token: token endpoint 503 temporarily_unavailable', 'token'],
    ['network error: connect ECONNREFUSED 127.0.0.1:1', 'network'],
    ['429 TOO_MANY_REQUESTS: slow down', 'operator_error'],
    // The operator's reason comes first: a note about the deadline does not make it one.
    ['503 UNAVAILABLE: busy (Retry-After 5 s is past the decision deadline)', 'operator_error'],
    ['malformed 200 response: expected { swapped: boolean }', 'operator_error'],
    ['provider error: undefined is not a function', 'other'],
    ['something nobody wrote yet', 'other'],
  ])('reads "%s" as %s', (reason, cause) => {
    expect(unavailableCause(reason)).toBe(cause);
  });

  it('reads the breaker\'s and the caller\'s own refusals', async () => {
    const now = 0;
    const breaker = new CircuitBreaker('simSwap', { failureThreshold: 1, openMs: 1000 }, () => now);
    const never = () => Promise.reject(new Error('must not be called'));
    const aborted = new AbortController();
    aborted.abort();
    const notAsked = await new ResilientCaller(breaker, retry).call(never, { correlator: 'c', abortSignal: aborted.signal });
    expect(signalResult(notAsked.answer, false)).toBe('unavailable_deadline');

    breaker.pauseUntil(5000);
    const paused = await new ResilientCaller(breaker, retry, Math.random, () => now).call(never, { correlator: 'c' });
    expect(signalResult(paused.answer, false)).toBe('unavailable_circuit_open');

    const opened = new CircuitBreaker('tenure', { failureThreshold: 1, openMs: 1000 }, () => now);
    opened.onFailure(opened.tryPass() as CircuitTicket);
    const refused = await new ResilientCaller(opened, retry).call(never, { correlator: 'c' });
    expect(signalResult(refused.answer, false)).toBe('unavailable_circuit_open');
  });
});
