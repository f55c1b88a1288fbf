import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsInstant, Optional } from '../../common/http/validators';

/** A time range over stored decisions, shared by the list, shadow reports and backtests. */
export class TimeRangeQuery {
  /** Decisions made at or after this instant (ISO 8601). */
  @ApiPropertyOptional({ description: 'Decisions made at or after this instant: an ISO 8601 date, or date-time with a zone.', example: '2026-06-01' })
  @Optional()
  @IsInstant()
  from?: string;

  /** Decisions made before this instant (ISO 8601). */
  @ApiPropertyOptional({ description: 'Decisions made before this instant: an ISO 8601 date, or date-time with a zone.', example: '2026-07-01T00:00:00Z' })
  @Optional()
  @IsInstant()
  to?: string;
}

/** The range as instants: a bound left out stays open. */
export function dateRange(q: TimeRangeQuery): { from?: Date; to?: Date } {
  return {
    from: q.from === undefined ? undefined : new Date(q.from),
    to: q.to === undefined ? undefined : new Date(q.to),
  };
}
