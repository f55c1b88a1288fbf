import { IsISO8601 } from 'class-validator';
import { Optional } from '../../common/http/validators';

export class ShadowReportQuery {
  /** Decisions made at or after this instant (ISO 8601). */
  @Optional()
  @IsISO8601({ strict: true })
  from?: string;

  /** Decisions made before this instant (ISO 8601). */
  @Optional()
  @IsISO8601({ strict: true })
  to?: string;
}
