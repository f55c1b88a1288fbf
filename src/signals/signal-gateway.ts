import { Inject, Injectable, Optional } from '@nestjs/common';
import { Span, SpanKind } from '@opentelemetry/api';
import { isThenable } from '../common/async/maybe-promise';
import { Listeners } from '../common/events/listeners';
import { hashPhoneNumber } from '../common/phone/phone-number';
import { Clock } from '../common/time/clock';
import { AppConfig } from '../config/app-config';
import { SignalProviders } from '../scoring/signal-collector';
import { ExecutedSignal, SignalExecutor, SignalRequest } from '../scoring/signal-executor';
import { Tracing } from '../tracing/tracing';
import { SignalCacheStore } from './cache/signal-cache';
import { SignalRouting } from './gateways/gateway-router';
import { CircuitBreaker, CircuitState } from './resilience/circuit-breaker';
import { ResilientCaller } from './resilience/resilient-caller';
import { SIGNAL_NAMES, SignalAnswer, SignalCallContext, SignalName, SignalStatus } from './signal.types';

/** Counters per signal since start: what the operator bills, and what the cache saved. */
export interface SignalUsage {
  calls: number;
  cacheHits: number;
  byStatus: Partial<Record<SignalStatus, number>>;
}

/** One query as the gateway answered it (read by the metrics module). */
export interface SignalQueryEvent {
  signal: SignalName;
  answer: SignalAnswer<unknown>;
  cached: boolean;
  /** From the query to its answer, cache look-up and retries included. */
  seconds: number;
}

/** `http` or `sandbox`: a status item's provider without its URL (metrics and health show it). */
export function providerKind(provider: string): 'http' | 'sandbox' {
  return provider.startsWith('http ') ? 'http' : 'sandbox';
}

/** One gateway's breaker for one API (several gateways when numbers are routed). */
export interface GatewayCircuit {
  gateway: string;
  circuit: CircuitState;
}

export interface SignalsStatus {
  items: ({ signal: SignalName; provider: string; circuit: CircuitState; gateways: GatewayCircuit[] } & SignalUsage)[];
}

/** The providers, how numbers are routed to gateways, and what to call each signal's source. */
export interface SignalSources {
  providers: SignalProviders;
  routing: SignalRouting;
  describe: Record<SignalName, string>;
}

export const SIGNAL_SOURCES = Symbol('SIGNAL_SOURCES');

/** The signal's circuit as one state: open if any gateway's is, then half-open, else closed. */
function worst(circuits: readonly GatewayCircuit[]): CircuitState {
  if (circuits.some((c) => c.circuit === 'open')) return 'open';
  if (circuits.some((c) => c.circuit === 'half-open')) return 'half-open';
  return 'closed';
}

/**
 * Which answers may be reused. Failures and unknowns never: an operator outage must not
 * outlive itself in the cache, and NOT_SUBSCRIBER changes when a number is ported in.
 * Answers that an attacker's next move would flip are reused only when they already raise
 * the risk: a cached "not swapped" would hide a swap made a minute later (and could be primed
 * just before the swap), a cached "not recycled" would hide a new holder from account
 * recovery. "Swapped" and "recycled since D" err on the side of caution (and "recycled since
 * D" stays true). Tenure changes only with the holder, slowly: reused as it is.
 */
function isCacheable(signal: SignalName, answer: SignalAnswer<object>): boolean {
  if (answer.status !== 'OK') return false;
  const value = answer.value as { swapped?: unknown; phoneNumberRecycled?: unknown };
  switch (signal) {
    case 'simSwap':
    case 'deviceSwap':
      return value.swapped === true;
    case 'numberRecycling':
      return value.phoneNumberRecycled === true;
    case 'tenure':
      return true;
  }
}

function describeQuery(span: Span, request: SignalRequest<unknown>, gateway: string | null, executed: ExecutedSignal<unknown>): void {
  span.setAttributes({
    'linetrust.signal': request.signal,
    'linetrust.signal.operation': request.operation,
    'linetrust.gateway': gateway ?? 'none',
    'linetrust.signal.status': executed.answer.status,
    'linetrust.signal.attempts': executed.attempts,
    'linetrust.signal.cache_hit': executed.cached,
  });
}

/**
 * How the service makes a signal query: not at all when no gateway serves the number (no
 * coverage); from the cross-request cache when a fresh reusable answer is there (see
 * isCacheable); otherwise through the resilient caller of that API at the number's gateway
 * (timeout, retries, and a circuit breaker per gateway and API, so one gateway's outage does
 * not stop the others).
 */
@Injectable()
export class SignalGateway implements SignalExecutor {
  private readonly callers = new Map<string, ResilientCaller>();
  private readonly makeCaller: (signal: SignalName, gateway: string) => ResilientCaller;
  private readonly routing: SignalRouting;
  private readonly ttlMs: Record<SignalName, number>;
  private readonly counters = Object.fromEntries(
    SIGNAL_NAMES.map((name) => [name, { calls: 0, cacheHits: 0, byStatus: {} }]),
  ) as Record<SignalName, SignalUsage>;

  private readonly sources: Record<SignalName, string>;
  private readonly listeners = new Listeners<SignalQueryEvent>();

  constructor(
    private readonly config: AppConfig,
    private readonly cache: SignalCacheStore,
    private readonly clock: Clock,
    @Inject(SIGNAL_SOURCES) sources: SignalSources,
    @Optional() private readonly tracing: Tracing = Tracing.off(),
  ) {
    this.sources = sources.describe;
    this.routing = sources.routing;
    const retry = {
      timeoutMs: config.SIGNAL_TIMEOUT_MS,
      maxAttempts: config.SIGNAL_MAX_ATTEMPTS,
      baseBackoffMs: config.SIGNAL_BACKOFF_MS,
      maxBackoffMs: config.SIGNAL_MAX_BACKOFF_MS,
    };
    const breaker = { failureThreshold: config.CIRCUIT_FAILURE_THRESHOLD, openMs: config.CIRCUIT_OPEN_MS };
    this.makeCaller = (signal, gateway) => {
      const name = gateway === 'default' ? signal : `${signal}@${gateway}`;
      return new ResilientCaller(new CircuitBreaker(name, breaker, () => clock.now().getTime()), retry);
    };
    for (const signal of SIGNAL_NAMES) for (const gateway of this.routing.gatewaysFor(signal)) this.caller(signal, gateway);
    this.ttlMs = {
      tenure: config.CACHE_TTL_TENURE_S * 1000,
      numberRecycling: config.CACHE_TTL_NUMBER_RECYCLING_S * 1000,
      simSwap: config.CACHE_TTL_SIM_SWAP_S * 1000,
      deviceSwap: config.CACHE_TTL_DEVICE_SWAP_S * 1000,
    };
  }

  /**
   * One query in a span of its own (docs/tracing.md), whose trace context the operator is sent:
   * what was asked of which gateway and how it went, never the number.
   */
  async execute<T>(request: SignalRequest<T>, ctx: SignalCallContext): Promise<ExecutedSignal<T>> {
    const gateway = this.routing.route(request.signal, request.phoneNumber);
    return this.tracing.span(
      `signal ${request.signal}`,
      async (span) => {
        const traced = { ...ctx, traceparent: this.tracing.traceparent(span), tracestate: span.spanContext().traceState?.serialize() };
        const executed = await this.query(request, gateway, traced);
        if (span.isRecording()) describeQuery(span, request, gateway, executed);
        return executed;
      },
      { kind: SpanKind.CLIENT },
    );
  }

  private async query<T>(request: SignalRequest<T>, gateway: string | null, ctx: SignalCallContext): Promise<ExecutedSignal<T>> {
    const started = performance.now();
    const usage = this.counters[request.signal];
    if (gateway === null) {
      // Not asked and not billed: said as a status of its own, never as a failure.
      const answer: SignalAnswer<T> = { status: 'NO_COVERAGE', reason: `no configured gateway serves this number for ${request.signal}` };
      usage.byStatus.NO_COVERAGE = (usage.byStatus.NO_COVERAGE ?? 0) + 1;
      this.notify(request.signal, answer, false, started);
      return { answer: answer as ExecutedSignal<T>['answer'], cached: false, attempts: 0 };
    }
    const ttl = this.ttlMs[request.signal];
    const subject = ttl > 0 ? (request.subjectKey ?? hashPhoneNumber(request.phoneNumber, this.config.hashKey)) : '';
    const key = ttl > 0 ? this.cacheKey(request, subject) : undefined;
    const found = key === undefined ? undefined : this.cache.get(key);
    // Awaited only when the store answers later (the database's): see SignalCacheStore.
    const hit = isThenable(found) ? await found : found;
    if (hit) {
      usage.cacheHits += 1;
      this.notify(request.signal, hit.answer, true, started);
      const answer = hit.answer as ExecutedSignal<T>['answer'];
      return { answer, cached: true, cacheAgeMs: this.clock.now().getTime() - hit.storedAt, attempts: 0 };
    }
    const { answer, attempts } = await this.caller(request.signal, gateway).call(request.call, ctx);
    usage.calls += attempts;
    usage.byStatus[answer.status] = (usage.byStatus[answer.status] ?? 0) + 1;
    this.notify(request.signal, answer, false, started);
    if (key !== undefined && isCacheable(request.signal, answer as SignalAnswer<object>)) {
      const stored = this.cache.set(key, { answer: answer as SignalAnswer<object>, storedAt: this.clock.now().getTime() }, ttl, subject);
      if (isThenable(stored)) await stored;
    }
    return { answer, cached: false, attempts };
  }

  /** Hears every query once answered: metrics observe here, the gateway knows nothing of them. A listener that throws cannot fail the query. */
  onQuery(listener: (event: SignalQueryEvent) => void): void {
    this.listeners.add(listener);
  }

  private notify(signal: SignalName, answer: SignalAnswer<unknown>, cached: boolean, started: number): void {
    const seconds = (performance.now() - started) / 1000;
    this.listeners.emit({ signal, answer, cached, seconds });
  }

  usage(): Record<SignalName, SignalUsage> {
    return structuredClone(this.counters);
  }

  status(): SignalsStatus {
    return {
      items: SIGNAL_NAMES.map((signal) => {
        const gateways = this.routing.gatewaysFor(signal).map((gateway) => ({ gateway, circuit: this.caller(signal, gateway).breaker.state }));
        return { signal, provider: this.sources[signal], circuit: worst(gateways), gateways, ...structuredClone(this.counters[signal]) };
      }),
    };
  }

  private caller(signal: SignalName, gateway: string): ResilientCaller {
    const key = `${signal}@${gateway}`;
    let caller = this.callers.get(key);
    if (!caller) {
      caller = this.makeCaller(signal, gateway);
      this.callers.set(key, caller);
    }
    return caller;
  }

  /**
   * Drops the cached operator answers about a number (an erasure); answers how many. With the
   * shared cache (FLEET_STATE=database) that is on every instance; with the in-memory one, on
   * this instance only (elsewhere entries live at most their TTL).
   */
  forgetNumber(phoneNumberHash: string): Promise<number> {
    return this.cache.forgetSubject(phoneNumberHash);
  }

  /** Keyed by the number's keyed hash, never the number: the cache may live outside the process. */
  private cacheKey(request: SignalRequest<unknown>, subject: string): string {
    return `${request.signal}:${request.operation}:${subject}:${JSON.stringify(request.query)}`;
  }
}
