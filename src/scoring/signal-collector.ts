import { calendarDaysBefore } from '../common/time/clock';
import { DeviceSwapSignal } from '../signals/device-swap/device-swap.signal';
import { NumberRecyclingSignal } from '../signals/number-recycling/number-recycling.signal';
import { SimSwapSignal } from '../signals/sim-swap/sim-swap.signal';
import { SignalAnswer, SignalName, SignalStatus } from '../signals/signal.types';
import { TenureSignal } from '../signals/tenure/tenure.signal';
import { SignalFactName } from './facts';

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
  durationMs: number;
}

/** A signal fact's value as rules read it: `status`, plus the answer's fields when OK. */
export type SignalFactValue = { status: SignalStatus; reason?: string } & Record<string, unknown>;

interface PlannedQuery {
  signal: SignalName;
  operation: string;
  query: Record<string, string | number>;
  call: () => Promise<SignalAnswer<object>>;
}

/**
 * Gathers the signals of one decision. Each distinct query is made at most once, however many
 * rules ask it, and only when a rule asks; every query is recorded with its answer or status.
 * It never throws: a provider failure becomes an UNAVAILABLE value the policy reasons about.
 */
export class SignalCollector {
  private readonly inFlight = new Map<string, Promise<SignalFactValue>>();
  private readonly recorded: SignalRecord[] = [];

  constructor(
    private readonly providers: SignalProviders,
    private readonly subject: SignalSubject,
    private readonly now: Date,
  ) {}

  get records(): readonly SignalRecord[] {
    return this.recorded;
  }

  resolve(fact: SignalFactName, params: Record<string, unknown>): Promise<SignalFactValue> {
    const planned = this.plan(fact, params);
    if ('missing' in planned) return Promise.resolve(this.recordMissing(fact, planned.missing));
    const key = `${planned.signal}:${planned.operation}:${JSON.stringify(planned.query)}`;
    let value = this.inFlight.get(key);
    if (!value) {
      value = this.run(planned);
      this.inFlight.set(key, value);
    }
    return value;
  }

  private plan(fact: SignalFactName, params: Record<string, unknown>): PlannedQuery | { missing: string } {
    const { phoneNumber, correlator } = this.subject;
    const ctx = { correlator };
    switch (fact) {
      case 'tenure': {
        const query = { tenureDate: calendarDaysBefore(this.now, Number(params.days)) };
        return { signal: 'tenure', operation: 'checkTenure', query, call: () => this.providers.tenure.checkTenure({ phoneNumber, ...query }, ctx) };
      }
      case 'numberRecycling': {
        const specifiedDate =
          params.days !== undefined ? calendarDaysBefore(this.now, Number(params.days)) : this.subject.trustedSince;
        if (!specifiedDate) return { missing: 'no trustedSince in the request, so no date to check recycling against' };
        const query = { specifiedDate };
        return { signal: 'numberRecycling', operation: 'check', query, call: () => this.providers.numberRecycling.check({ phoneNumber, ...query }, ctx) };
      }
      case 'simSwap': {
        const query = { maxAge: Number(params.maxAge) };
        return { signal: 'simSwap', operation: 'check', query, call: () => this.providers.simSwap.check({ phoneNumber, ...query }, ctx) };
      }
      case 'deviceSwap': {
        const query = { maxAge: Number(params.maxAge) };
        return { signal: 'deviceSwap', operation: 'check', query, call: () => this.providers.deviceSwap.check({ phoneNumber, ...query }, ctx) };
      }
    }
  }

  private async run(planned: PlannedQuery): Promise<SignalFactValue> {
    const started = performance.now();
    let answer: SignalAnswer<object>;
    try {
      answer = await planned.call();
    } catch (error) {
      // Providers are meant to return statuses, but a bug in one must not abort the decision.
      answer = { status: 'UNAVAILABLE', reason: `provider error: ${(error as Error).message}` };
    }
    const durationMs = Math.round((performance.now() - started) * 100) / 100;
    const { signal, operation, query } = planned;
    if (answer.status === 'OK') {
      const fields = answer.value as Record<string, unknown>;
      this.recorded.push({ signal, operation, query, status: 'OK', answer: fields, durationMs });
      return { status: 'OK', ...fields };
    }
    this.recorded.push({ signal, operation, query, status: answer.status, reason: answer.reason, durationMs });
    return { status: answer.status, reason: answer.reason };
  }

  private recordMissing(fact: SignalFactName, reason: string): SignalFactValue {
    const signal = fact;
    if (!this.recorded.some((r) => r.signal === signal && r.status === 'MISSING_INPUT')) {
      this.recorded.push({ signal, operation: 'check', query: {}, status: 'MISSING_INPUT', reason, durationMs: 0 });
    }
    return { status: 'MISSING_INPUT', reason };
  }
}
