import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsString, MaxLength } from 'class-validator';
import { IsInstant, Optional } from '../../common/http/validators';

export const BUCKETS = ['hour', 'day'] as const;
export type Bucket = (typeof BUCKETS)[number];

export class DecisionStatsQuery {
  /** One use case; without it, every use case the API key may read. */
  @ApiPropertyOptional({ description: 'One use case; without it, every use case the API key may read.', minLength: 1, maxLength: 64, example: 'onboarding' })
  @Optional()
  @IsString()
  @MaxLength(64)
  useCase?: string;

  /** Start of the range (ISO 8601), rounded down to its bucket. */
  @ApiPropertyOptional({ description: 'Start of the range, rounded down to its bucket: an ISO 8601 date, or date-time with a zone.', example: '2026-11-21T04:00:00Z' })
  @Optional()
  @IsInstant()
  from?: string;

  /** End of the range (ISO 8601, exclusive), rounded up to its bucket. */
  @ApiPropertyOptional({ description: 'End of the range (exclusive), rounded up to its bucket: an ISO 8601 date, or date-time with a zone.', example: '2026-11-22' })
  @Optional()
  @IsInstant()
  to?: string;

  /** Width of a bucket: a UTC hour or a UTC day. */
  @ApiPropertyOptional({ description: 'Width of a bucket: a UTC hour or a UTC day.', enum: BUCKETS, default: 'hour' })
  @Optional()
  @IsIn(BUCKETS)
  bucket: Bucket = 'hour';
}
