import { Injectable } from '@nestjs/common';
import { assertUseCase, Principal } from '../auth/scopes';
import { InvalidArgumentError } from '../common/errors/domain.error';
import { Clock } from '../common/time/clock';
import { Action } from '../scoring/actions';
import { DecisionRepository } from './decision.repository';
import { Bucket, DecisionStatsQuery } from './dto/decision-stats.query';

export interface DecisionStats {
  bucket: Bucket;
  from: string;
  to: string;
  buckets: { start: string; counts: Record<Action, number> }[];
}

const BUCKET_MS: Record<Bucket, number> = { hour: 3_600_000, day: 86_400_000 };
/** Buckets shown without from: a day by the hour, a month by the day. */
const DEFAULT_BUCKETS: Record<Bucket, number> = { hour: 24, day: 30 };
/** Each bucket is one count query (run one after another): a bound keeps one request's cost bounded too. */
const MAX_BUCKETS = 200;

/** Outcome counts over time, for the explorer's chart and for dashboards. */
@Injectable()
export class DecisionStatsService {
  constructor(
    private readonly decisions: DecisionRepository,
    private readonly clock: Clock,
  ) {}

  /**
   * Bucket edges are whole UTC hours or days, so two requests over overlapping ranges count
   * the same bucket alike. Without `to` the range ends with the current bucket (included).
   */
  async stats(query: DecisionStatsQuery, caller: Principal): Promise<DecisionStats> {
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
    const useCase = query.useCase ?? caller.useCases ?? undefined;
    const buckets = await this.decisions.outcomeCounts(useCase, new Date(from), size, count);
    return {
      bucket: query.bucket,
      from: new Date(from).toISOString(),
      to: new Date(to).toISOString(),
      buckets: buckets.map(({ start, counts }) => ({ start: start.toISOString(), counts })),
    };
  }
}
