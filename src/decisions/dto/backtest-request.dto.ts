import { ApiPropertyOptional, ApiSchema } from '@nestjs/swagger';
import { IsInstant, Optional } from '../../common/http/validators';

/** The time range of the stored decisions a backtest replays; without it, all of them. */
@ApiSchema({ name: 'BacktestRequest', description: 'The time range of the decisions to replay; all of them without one. Unknown fields are refused.' })
export class BacktestRequestDto {
  /** Decisions made at or after this instant (ISO 8601). */
  @ApiPropertyOptional({ description: 'Decisions made at or after this instant: an ISO 8601 date, or date-time with a zone.', example: '2026-11-01' })
  @Optional()
  @IsInstant()
  from?: string;

  /** Decisions made before this instant (ISO 8601). */
  @ApiPropertyOptional({ description: 'Decisions made before this instant: an ISO 8601 date, or date-time with a zone.', example: '2026-12-01T00:00:00Z' })
  @Optional()
  @IsInstant()
  to?: string;
}
