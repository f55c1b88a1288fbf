import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsInstant, Optional } from '../../common/http/validators';

export class ShadowReportQuery {
  /** Decisions made at or after this instant (ISO 8601). */
  @ApiPropertyOptional({ description: 'Decisions made at or after this instant: an ISO 8601 date, or date-time with a zone.', example: '2026-11-01T00:00:00Z' })
  @Optional()
  @IsInstant()
  from?: string;

  /** Decisions made before this instant (ISO 8601). */
  @ApiPropertyOptional({ description: 'Decisions made before this instant: an ISO 8601 date, or date-time with a zone.', example: '2026-12-01T00:00:00Z' })
  @Optional()
  @IsInstant()
  to?: string;
}
