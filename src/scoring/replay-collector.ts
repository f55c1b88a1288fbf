import { calendarDaysBefore } from '../common/time/clock';
import { SignalFactName } from './facts';
import { queryKey, SignalCollector, SignalFactValue, SignalProviders, SignalQuery, signalQuery, SignalRecord } from './signal-collector';

export const NOT_REPLAYABLE = 'not replayable: this query was not asked when the decision was made';
const PLACEHOLDER_NUMBER = '+10000000000';
const DAY_MS = 86_400_000;
/** Days of the memo below before it starts again: a decade of decisions stays well under it. */
const MAX_MEMO_DAYS = 8192;

/** A replay asks no operator: a call reaching one is a bug, and fails the backtest loudly. */
const refuse = () => Promise.reject(new Error('a backtest replay never asks an operator'));
const NO_OPERATOR = {
  tenure: { checkTenure: refuse },
  numberRecycling: { check: refuse },
  simSwap: { check: refuse },
  deviceSwap: { check: refuse },
} as unknown as SignalProviders;

/** The stored decision as far as its replay's signal answers need. */
export interface ReplaySubject {
  createdAt: Date;
  trustedSince?: string;
  signals: readonly SignalRecord[];
}

/**
 * The collector of a backtest: it answers each query from the decision's stored signals, on
 * the decision's own date, and notes the queries the decision never asked (`missing`). It is
 * loaded with one decision after another, so one object serves a whole backtest: the generic
 * collector's executor, timing and records (a few allocations and awaits per query) only
 * served live decisions. The answers are the values the generic collector gave from the same
 * stored signals (test/backtest-replay.e2e-spec.ts compares whole reports).
 */
export class ReplayCollector extends SignalCollector {
  /** Keys (queryKey) of the queries the current decision's rules asked and it never made. */
  readonly missing = new Set<string>();
  private subjectOf: ReplaySubject = { createdAt: new Date(0), signals: [] };
  /** Calendar dates by (UTC day of the decision, days before): a page's decisions share a few days. */
  private readonly dates = new Map<number, Map<number, string>>();
  private readonly daysBefore = (now: Date, days: number): string => this.dateBefore(now, days);

  constructor() {
    super(NO_OPERATOR, { phoneNumber: PLACEHOLDER_NUMBER, correlator: 'backtest' }, new Date(0));
  }

  /** Answers the next decision's queries; the previous one's evaluation must be over. */
  load(subject: ReplaySubject): this {
    this.subjectOf = subject;
    this.missing.clear();
    return this;
  }

  override resolve(fact: SignalFactName, params: Record<string, unknown>): Promise<SignalFactValue> {
    const { createdAt, trustedSince } = this.subjectOf;
    const query = signalQuery(fact, params, createdAt, trustedSince, this.daysBefore);
    if ('missing' in query) return Promise.resolve({ status: 'MISSING_INPUT', reason: query.missing });
    const record = this.stored(query);
    if (!record) {
      this.missing.add(queryKey(query));
      return Promise.resolve({ status: 'UNAVAILABLE', reason: NOT_REPLAYABLE });
    }
    if (record.status === 'OK') return Promise.resolve({ status: 'OK', ...record.answer });
    return Promise.resolve({ status: record.status, reason: record.reason ?? '' });
  }

  /** The stored answer to `query`: the last record with its key, as a Map built from the list keeps. */
  private stored(query: SignalQuery): SignalRecord | undefined {
    const { signals } = this.subjectOf;
    for (let i = signals.length - 1; i >= 0; i--) {
      const record = signals[i];
      if (record.signal === query.signal && record.operation === query.operation && sameQuery(record.query, query.query)) return record;
    }
    return undefined;
  }

  private dateBefore(now: Date, days: number): string {
    // Whole days from a whole-millisecond time land on the day `days` before now's UTC day.
    if (!Number.isInteger(days)) return calendarDaysBefore(now, days);
    const day = Math.floor(now.getTime() / DAY_MS);
    let byDays = this.dates.get(day);
    if (!byDays) {
      if (this.dates.size >= MAX_MEMO_DAYS) this.dates.clear();
      this.dates.set(day, (byDays = new Map()));
    }
    let date = byDays.get(days);
    if (date === undefined) byDays.set(days, (date = calendarDaysBefore(now, days)));
    return date;
  }
}

/**
 * True when the two queries have the same JSON (queryKey's comparison: same fields in the same
 * order, values JSON writes alike), without writing it: queries are one or two flat fields.
 */
function sameQuery(stored: unknown, asked: Record<string, string | number>): boolean {
  if (typeof stored !== 'object' || stored === null) return false;
  const storedKeys = Object.keys(stored);
  const askedKeys = Object.keys(asked);
  if (storedKeys.length !== askedKeys.length) return false;
  for (let i = 0; i < askedKeys.length; i++) {
    const key = askedKeys[i];
    if (storedKeys[i] !== key) return false;
    const a = (stored as Record<string, unknown>)[key];
    const b = asked[key];
    if (a !== b && JSON.stringify(a) !== JSON.stringify(b)) return false;
  }
  return true;
}
