import { AlarmBell } from '../common/async/alarm';
import { calendarDaysBefore } from '../common/time/clock';
import { DeviceSwapSignal } from '../signals/device-swap/device-swap.signal';
import { NumberRecyclingSignal } from '../signals/number-recycling/number-recycling.signal';
import { SimSwapSignal } from '../signals/sim-swap/sim-swap.signal';
import { SignalAnswer, SignalCallContext, SignalName, SignalStatus } from '../signals/signal.types';
import { TenureSignal } from '../signals/tenure/tenure.signal';
import { SignalFactName } from './facts';
import { directExecutor, ExecutedSignal, SignalExecutor, SignalRequest } from './signal-executor';

export interface SignalProviders {
  tenure: TenureSignal;
  numberRecycling: NumberRecyclingSignal;
  simSwap: SimSwapSignal;
  deviceSwap: DeviceSwapSignal;
}

/** What one decision is about, as far as its signal queries need. */
export interface SignalSubject {
  phoneNumber: string;
  /** `YYYY-MM-DD`, Number Recycling's specifiedDate when a rule does not set its own. */
  trustedSince?: string;
  correlator: string;
  /** The number's keyed hash, when the caller has computed it already. */
  subjectKey?: string;
}

/** The operator question a signal fact asks (its threshold as the query's parameter). */
export interface SignalQuery {
  signal: SignalName;
  operation: string;
  query: Record<string, string | number>;
}

/**
 * The query behind a fact and its params, on the decision's date: "tenure, 30 days" asks
 * tenureDate = that date - 30 days. Pure, so a backtest can tell which stored answer a rule
 * needs. `missing` when the request lacks an input (no trustedSince).
 */
export function signalQuery(
  fact: SignalFactName,
  params: Record<string, unknown>,
  now: Date,
  trustedSince: string | undefined,
  // A backtest passes a memoised one: formatting the date was its largest cost per decision.
  daysBefore: (now: Date, days: number) => string = calendarDaysBefore,
): SignalQuery | { missing: string } {
  switch (fact) {
    case 'tenure':
      return { signal: 'tenure', operation: 'checkTenure', query: { tenureDate: daysBefore(now, Number(params.days)) } };
    case 'numberRecycling': {
      const specifiedDate = params.days !== undefined ? daysBefore(now, Number(params.days)) : trustedSince;
      if (!specifiedDate) return { missing: 'no trustedSince in the request, so no date to check recycling against' };
      return { signal: 'numberRecycling', operation: 'check', query: { specifiedDate } };
    }
    case 'simSwap':
      return { signal: 'simSwap', operation: 'check', query: { maxAge: Number(params.maxAge) } };
    case 'deviceSwap':
      return { signal: 'deviceSwap', operation: 'check', query: { maxAge: Number(params.maxAge) } };
  }
}

/** The key a query is known by: the same question asked twice has the same key. */
export function queryKey(query: SignalQuery): string {
  return `${query.signal}:${query.operation}:${JSON.stringify(query.query)}`;
}

/** One signal query a decision made, stored with it as its explanation. */
export interface SignalRecord {
  signal: SignalName;
  operation: string;
  /** The query's parameters, without the phone number (stored hashed beside the decision). */
  query: Record<string, string | number>;
  status: SignalStatus;
  answer?: Record<string, unknown>;
  reason?: string;
  /** Served from the cross-request cache, and how old the cached answer was. */
  cached: boolean;
  cacheAgeMs?: number;
  /** Calls made to the provider (0 when cached; more than 1 after retries). */
  attempts: number;
  durationMs: number;
}

/** Options of one decision's collector. */
export interface CollectorOptions {
  executor?: SignalExecutor;
  /**
   * The decision's time for its signals: queries still pending then are recorded UNAVAILABLE
   * and the policy decides without them.
   */
  deadlineMs?: number;
  /** Answers already asked, shared with the collector this one was forked from. */
  memo?: Map<string, Promise<SignalFactValue>>;
}

/** A signal fact's value as rules read it: `status`, plus the answer's fields when OK. */
export type SignalFactValue = { status: SignalStatus; reason?: string } & Record<string, unknown>;

type PlannedQuery = SignalRequest<object>;

/** How long past the deadline a provider that ignores its abort signal is still awaited. */
const DEADLINE_GRACE_MS = 50;

/**
 * Gathers the signals of one decision. Each distinct query is made at most once, however many
 * rules ask it, and only when a rule asks; every query is recorded with its answer or status.
 * It never throws: a provider failure becomes an UNAVAILABLE value the policy reasons about.
 */
export class SignalCollector {
  private readonly inFlight: Map<string, Promise<SignalFactValue>>;
  private readonly recorded: SignalRecord[] = [];

  private readonly executor: SignalExecutor;
  private readonly deadline?: AlarmBell;
  private readonly deadlineAt?: number;
  private readonly deadlineTimer?: NodeJS.Timeout;
  /** UNAVAILABLE, shortly after the deadline: what a query still in flight then answers. */
  private late?: Promise<ExecutedSignal<object>>;

  constructor(
    private readonly providers: SignalProviders,
    private readonly subject: SignalSubject,
    private readonly now: Date,
    options: CollectorOptions = {},
  ) {
    this.executor = options.executor ?? directExecutor;
    this.inFlight = options.memo ?? new Map();
    if (options.deadlineMs !== undefined) {
      // An alarm, not an AbortController: most decisions never wait on it (see Alarm).
      const deadline = (this.deadline = new AlarmBell());
      this.deadlineAt = Date.now() + options.deadlineMs;
      this.deadlineTimer = setTimeout(() => deadline.ring(), options.deadlineMs);
      this.deadlineTimer.unref();
    }
  }

  /**
   * A collector for a shadow run: it reuses every answer this one already has (never asked
   * twice), records its own queries apart, and has its own deadline.
   */
  fork(deadlineMs?: number): SignalCollector {
    return new SignalCollector(this.providers, this.subject, this.now, { executor: this.executor, deadlineMs, memo: this.inFlight });
  }

  /** The decision is made: its deadline timer is no longer needed. */
  close(): void {
    clearTimeout(this.deadlineTimer);
  }

  get records(): readonly SignalRecord[] {
    return this.recorded;
  }

  resolve(fact: SignalFactName, params: Record<string, unknown>): Promise<SignalFactValue> {
    const planned = this.plan(fact, params);
    if ('missing' in planned) return Promise.resolve(this.recordMissing(fact, planned.missing));
    const key = queryKey(planned);
    let value = this.inFlight.get(key);
    if (!value) {
      value = this.run(planned);
      this.inFlight.set(key, value);
    }
    return value;
  }

  private plan(fact: SignalFactName, params: Record<string, unknown>): PlannedQuery | { missing: string } {
    const planned = signalQuery(fact, params, this.now, this.subject.trustedSince);
    if ('missing' in planned) return planned;
    const { phoneNumber } = this.subject;
    const { signal, operation, query } = planned;
    const providers = this.providers;
    const call = (ctx: SignalCallContext): Promise<SignalAnswer<object>> => {
      switch (signal) {
        case 'tenure':
          return providers.tenure.checkTenure({ phoneNumber, tenureDate: String(query.tenureDate) }, ctx);
        case 'numberRecycling':
          return providers.numberRecycling.check({ phoneNumber, specifiedDate: String(query.specifiedDate) }, ctx);
        case 'simSwap':
          return providers.simSwap.check({ phoneNumber, maxAge: Number(query.maxAge) }, ctx);
        case 'deviceSwap':
          return providers.deviceSwap.check({ phoneNumber, maxAge: Number(query.maxAge) }, ctx);
      }
    };
    return { signal, operation, query, phoneNumber, subjectKey: this.subject.subjectKey, call };
  }

  private async run(planned: PlannedQuery): Promise<SignalFactValue> {
    const started = performance.now();
    const ctx: SignalCallContext = { correlator: this.subject.correlator, deadlineAlarm: this.deadline, deadlineAt: this.deadlineAt };
    let executed: ExecutedSignal<object>;
    try {
      executed = await this.beforeDeadline(this.executor.execute(planned, ctx));
    } catch (error) {
      // Providers are meant to return statuses, but a bug in one must not abort the decision.
      executed = { answer: { status: 'UNAVAILABLE', reason: `provider error: ${(error as Error).message}` }, cached: false, attempts: 1 };
    }
    const durationMs = Math.round((performance.now() - started) * 100) / 100;
    const { signal, operation, query } = planned;
    const { answer, cached, cacheAgeMs, attempts } = executed;
    const source = cacheAgeMs === undefined ? { cached, attempts } : { cached, cacheAgeMs, attempts };
    if (answer.status === 'OK') {
      const fields = answer.value as Record<string, unknown>;
      this.recorded.push({ signal, operation, query, status: 'OK', answer: fields, ...source, durationMs });
      return { status: 'OK', ...fields };
    }
    this.recorded.push({ signal, operation, query, status: answer.status, reason: answer.reason, ...source, durationMs });
    return { status: answer.status, reason: answer.reason };
  }

  /**
   * The executor's answer, or UNAVAILABLE shortly after the decision's deadline. The executor
   * stops at the deadline itself and reports what happened (attempts, reason); the grace only
   * serves a provider that ignores its abort signal, which must not hold the decision.
   */
  private beforeDeadline(work: Promise<ExecutedSignal<object>>): Promise<ExecutedSignal<object>> {
    const deadline = this.deadline;
    if (!deadline) return work;
    // One for the whole decision, not one per query: each promise costs the request context's hooks.
    this.late ??= new Promise<void>((resolve) => (deadline.rung ? resolve() : deadline.onRing(resolve)))
      .then(() => new Promise((resolve) => setTimeout(resolve, DEADLINE_GRACE_MS).unref()))
      .then((): ExecutedSignal<object> => ({
        answer: { status: 'UNAVAILABLE', reason: 'the decision deadline passed before the operator answered' },
        cached: false,
        attempts: 1,
      }));
    return Promise.race([work, this.late]);
  }

  private recordMissing(fact: SignalFactName, reason: string): SignalFactValue {
    const signal = fact;
    if (!this.recorded.some((r) => r.signal === signal && r.status === 'MISSING_INPUT')) {
      this.recorded.push({ signal, operation: 'check', query: {}, status: 'MISSING_INPUT', reason, cached: false, attempts: 0, durationMs: 0 });
    }
    return { status: 'MISSING_INPUT', reason };
  }
}
