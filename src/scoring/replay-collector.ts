import { calendarDaysBefore } from '../common/time/clock';
import { SignalFactName } from './facts';
import { SignalSource } from './rule-program';
import { queryKey, SignalFactValue, SignalQuery, signalQuery, SignalRecord } from './signal-collector';

export const NOT_REPLAYABLE = 'not replayable: this query was not asked when the decision was made';
const DAY_MS = 86_400_000;
/** Days of the memo below before it starts again: a decade of decisions stays well under it. */
const MAX_MEMO_DAYS = 8192;

/** The stored decision as far as its replay's signal answers need. */
export interface ReplaySubject {
  createdAt: Date;
  trustedSince?: string;
  signals: readonly SignalRecord[];
}

/**
 * The signal source of a backtest: it answers each query from the decision's stored signals, on
 * the decision's own date, and notes the queries the decision never asked (`missing`). Its
 * answers are values, not promises (a SignalSource may answer either way): the policy then runs
 * each condition as a plain call, where the live SignalCollector's executor, timing, records and
 * promises cost more than the replay itself. It is loaded with one decision after another, so
 * one object serves a whole backtest. Its answers are the ones the SignalCollector gave on the
 * same stored signals (test/backtest-replay.e2e-spec.ts compares whole reports).
 */
export class ReplayCollector implements SignalSource {
  /** Keys (queryKey) of the queries the current decision's rules asked and it never made. */
  readonly missing = new Set<string>();
  private subject: ReplaySubject = { createdAt: new Date(0), signals: [] };
  /** Calendar dates by (UTC day of the decision, days before): a page's decisions share a few days. */
  private readonly dates = new Map<number, Map<number, string>>();
  private readonly daysBefore = (now: Date, days: number): string => this.dateBefore(now, days);

  /** Answers the next decision's queries; the previous one's evaluation must be over. */
  load(subject: ReplaySubject): this {
    this.subject = subject;
    this.missing.clear();
    return this;
  }

  resolve(fact: SignalFactName, params: Record<string, unknown>): SignalFactValue {
    const { createdAt, trustedSince } = this.subject;
    const query = signalQuery(fact, params, createdAt, trustedSince, this.daysBefore);
    if ('missing' in query) return { status: 'MISSING_INPUT', reason: query.missing };
    const record = this.stored(query);
    if (!record) {
      this.missing.add(queryKey(query));
      return { status: 'UNAVAILABLE', reason: NOT_REPLAYABLE };
    }
    if (record.status === 'OK') return { status: 'OK', ...record.answer };
    return { status: record.status, reason: record.reason ?? '' };
  }

  /** The stored answer to `query`: the last record with its key, as a Map built from the list keeps. */
  private stored(query: SignalQuery): SignalRecord | undefined {
    const { signals } = this.subject;
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
