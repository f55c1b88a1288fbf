import { ApiProperty, ApiSchema } from '@nestjs/swagger';
import { Action } from '../../scoring/actions';
import { DecisionStats } from '../decision-stats.service';
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
