import { Injectable } from '@nestjs/common';
import { assertUseCase, Principal } from '../auth/scopes';
import { InvalidArgumentError } from '../common/errors/domain.error';
import { Clock } from '../common/time/clock';
import { Action } from '../scoring/actions';
import { Reason } from '../scoring/policy.types';
import { DecisionRepository } from './decision.repository';
import { Bucket, DecisionStatsQuery } from './dto/decision-stats.query';

export interface DecisionStats {
  bucket: Bucket;
  from: string;
  to: string;
  buckets: { start: string; counts: Record<Action, number> }[];
}

/** Score distribution and rule hits over time, for the explorer's charts. */
export interface DecisionBreakdown {
  bucket: Bucket;
  from: string;
  to: string;
  /** Decisions per score band, 0-9 to 90-100: every decision of the range. */
  scores: { min: number; max: number; count: number }[];
  /** Start of each bucket; every rule's `counts` has one number per bucket, in this order. */
  starts: string[];
  /** Rules that fired in the decisions read, most hits first. */
  rules: { useCase: string; rule: string; total: number; counts: number[] }[];
  /** Decisions whose reasons were read (the newest first, up to MAX_SCANNED). */
  scanned: number;
  /** False when the range holds more decisions than were read: the rule hits cover the newest `scanned`. */
  complete: boolean;
}

const BUCKET_MS: Record<Bucket, number> = { hour: 3_600_000, day: 86_400_000 };
/** Buckets shown without from: a day by the hour, a month by the day. */
const DEFAULT_BUCKETS: Record<Bucket, number> = { hour: 24, day: 30 };
/** Each bucket is one count query (run one after another): a bound keeps one request's cost bounded too. */
const MAX_BUCKETS = 200;
/**
 * Rule hits need each decision's reasons (JSON, parsed here): a request reads at most this many,
 * the newest first. 20,000 took 1.2 to 1.9 s per request (SQLite and PostgreSQL, under jest on
 * 2 busy cores), too long for a page that asks on every filter change; 5,000 is a quarter of it.
 */
export const MAX_SCANNED = 5_000;
const SCAN_PAGE = 1_000;
/** Ten bands of ten points; the last takes 100 too (the score is capped at 100). */
const SCORE_BANDS = Array.from({ length: 10 }, (_, i) => ({ min: i * 10, max: i === 9 ? 100 : i * 10 + 9 }));

interface Range {
  useCase: string | readonly string[] | undefined;
  from: number;
  to: number;
  size: number;
  count: number;
}

/** Outcome counts, score bands and rule hits over time, for the explorer's charts and for dashboards. */
@Injectable()
export class DecisionStatsService {
  constructor(
    private readonly decisions: DecisionRepository,
    private readonly clock: Clock,
  ) {}

  async stats(query: DecisionStatsQuery, caller: Principal): Promise<DecisionStats> {
    const range = this.range(query, caller);
    const buckets = await this.decisions.outcomeCounts(range.useCase, new Date(range.from), range.size, range.count);
    return {
      ...this.bounds(query, range),
      buckets: buckets.map(({ start, counts }) => ({ start: start.toISOString(), counts })),
    };
  }

  async breakdown(query: DecisionStatsQuery, caller: Principal): Promise<DecisionBreakdown> {
    const range = this.range(query, caller);
    const [from, to] = [new Date(range.from), new Date(range.to)];
    const perScore = await this.decisions.scoreCounts(range.useCase, from, to);
    const scores = SCORE_BANDS.map((band) => ({ ...band, count: perScore.filter((s) => s.score >= band.min && s.score <= band.max).reduce((sum, s) => sum + s.count, 0) }));

    const rules = new Map<string, { useCase: string; rule: string; total: number; counts: number[] }>();
    let scanned = 0;
    let complete = true;
    for await (const page of this.decisions.reasonPages(range.useCase, from, to, SCAN_PAGE)) {
      for (const row of page) {
        if (scanned === MAX_SCANNED) {
          complete = false;
          break;
        }
        scanned++;
        const index = Math.floor((row.createdAt.getTime() - range.from) / range.size);
        for (const reason of JSON.parse(row.reasons) as Reason[]) {
          const key = `${row.useCase}\u0000${reason.rule}`;
          const hits = rules.get(key) ?? { useCase: row.useCase, rule: reason.rule, total: 0, counts: new Array<number>(range.count).fill(0) };
          hits.total++;
          hits.counts[index]++;
          rules.set(key, hits);
        }
      }
      if (!complete) break;
    }
    return {
      ...this.bounds(query, range),
      scores,
      starts: Array.from({ length: range.count }, (_, i) => new Date(range.from + i * range.size).toISOString()),
      rules: [...rules.values()].sort((a, b) => b.total - a.total || a.useCase.localeCompare(b.useCase) || a.rule.localeCompare(b.rule)),
      scanned,
      complete,
    };
  }

  /**
   * Bucket edges are whole UTC hours or days, so two requests over overlapping ranges count
   * the same bucket alike. Without `to` the range ends with the current bucket (included).
   */
  private range(query: DecisionStatsQuery, caller: Principal): Range {
    if (query.useCase !== undefined) assertUseCase(caller, query.useCase);
    const size = BUCKET_MS[query.bucket];
    const floor = (ms: number) => Math.floor(ms / size) * size;
    const to = query.to === undefined ? floor(this.clock.now().getTime()) + size : Math.ceil(new Date(query.to).getTime() / size) * size;
    const from = query.from === undefined ? to - DEFAULT_BUCKETS[query.bucket] * size : floor(new Date(query.from).getTime());
    if (from >= to) throw new InvalidArgumentError('from must be before to');
    const count = (to - from) / size;
    if (count > MAX_BUCKETS) {
      throw new InvalidArgumentError(`from and to span ${count} ${query.bucket} buckets, at most ${MAX_BUCKETS} are allowed: narrow the range or use a wider bucket`);
    }
    return { useCase: query.useCase ?? caller.useCases ?? undefined, from, to, size, count };
  }

  private bounds(query: DecisionStatsQuery, range: Range): { bucket: Bucket; from: string; to: string } {
    return { bucket: query.bucket, from: new Date(range.from).toISOString(), to: new Date(range.to).toISOString() };
  }
}
