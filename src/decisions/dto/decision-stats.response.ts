import { ApiProperty, ApiSchema } from '@nestjs/swagger';
import { Action } from '../../scoring/actions';
import { DecisionBreakdown, DecisionStats, MAX_SCANNED } from '../decision-stats.service';
import { Bucket, BUCKETS } from './decision-stats.query';
import { OutcomeCountsResponse } from './shadow-report.response';

// Response classes for the API document; each implements the type the service returns.

@ApiSchema({ name: 'OutcomeBucket', description: 'The decisions of one hour or day, per outcome.' })
export class OutcomeBucketResponse {
  @ApiProperty({ description: 'Start of the bucket (a whole UTC hour or day).', format: 'date-time', example: '2026-11-22T03:00:00.000Z' })
  start!: string;

  @ApiProperty({ type: OutcomeCountsResponse })
  counts!: Record<Action, number>;
}

@ApiSchema({ name: 'DecisionStats', description: 'Decisions per outcome in each bucket of a time range, oldest bucket first.' })
export class DecisionStatsResponse implements DecisionStats {
  @ApiProperty({ description: 'Width of a bucket.', enum: BUCKETS, example: 'hour' })
  bucket!: Bucket;

  @ApiProperty({ description: 'Start of the range, rounded down to its bucket.', format: 'date-time', example: '2026-11-21T04:00:00.000Z' })
  from!: string;

  @ApiProperty({ description: 'End of the range (exclusive), rounded up to its bucket.', format: 'date-time', example: '2026-11-22T04:00:00.000Z' })
  to!: string;

  @ApiProperty({ type: [OutcomeBucketResponse] })
  buckets!: OutcomeBucketResponse[];
}

@ApiSchema({ name: 'ScoreBand', description: 'The decisions whose score lies in a band of ten points.' })
export class ScoreBandResponse {
  @ApiProperty({ description: 'Lowest score of the band.', type: 'integer', minimum: 0, maximum: 90, example: 20 })
  min!: number;

  @ApiProperty({ description: 'Highest score of the band (included; the last band is 90-100).', type: 'integer', minimum: 9, maximum: 100, example: 29 })
  max!: number;

  @ApiProperty({ type: 'integer', minimum: 0, example: 12 })
  count!: number;
}

@ApiSchema({ name: 'RuleHits', description: 'How often one rule of one policy fired, in each bucket.' })
export class RuleHitsResponse {
  @ApiProperty({ description: 'The use case (policy) of the rule.', example: 'onboarding' })
  useCase!: string;

  @ApiProperty({ description: 'The stable name of the rule.', example: 'recent-sim-swap' })
  rule!: string;

  @ApiProperty({ description: 'Hits in the decisions read.', type: 'integer', minimum: 1, example: 7 })
  total!: number;

  @ApiProperty({ description: 'Hits per bucket, in the order of `starts`.', type: 'integer', isArray: true, example: [0, 3, 4] })
  counts!: number[];
}

@ApiSchema({ name: 'DecisionBreakdown', description: 'The score distribution of a time range, and which rules fired in each of its buckets.' })
export class DecisionBreakdownResponse implements DecisionBreakdown {
  @ApiProperty({ description: 'Width of a bucket.', enum: BUCKETS, example: 'hour' })
  bucket!: Bucket;

  @ApiProperty({ description: 'Start of the range, rounded down to its bucket.', format: 'date-time', example: '2026-11-21T04:00:00.000Z' })
  from!: string;

  @ApiProperty({ description: 'End of the range (exclusive), rounded up to its bucket.', format: 'date-time', example: '2026-11-22T04:00:00.000Z' })
  to!: string;

  @ApiProperty({ description: 'Decisions per score band (0-9, 10-19, ..., 90-100), counting every decision of the range.', type: [ScoreBandResponse] })
  scores!: ScoreBandResponse[];

  @ApiProperty({ description: 'Start of each bucket, oldest first.', type: 'string', format: 'date-time', isArray: true, example: ['2026-11-22T02:00:00.000Z', '2026-11-22T03:00:00.000Z'] })
  starts!: string[];

  @ApiProperty({ description: 'The rules that fired, most hits first.', type: [RuleHitsResponse] })
  rules!: RuleHitsResponse[];

  @ApiProperty({ description: `Decisions whose reasons were read: the newest first, at most ${MAX_SCANNED}.`, type: 'integer', minimum: 0, example: 310 })
  scanned!: number;

  @ApiProperty({ description: '`false` when the range holds more decisions than were read: the rule hits then cover the newest `scanned` only.', example: true })
  complete!: boolean;
}
