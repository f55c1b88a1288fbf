import { ApiSchema } from '@nestjs/swagger';
import { TimeRangeQuery } from './time-range.query';

/** The time range of the stored decisions a backtest replays; without it, all of them. */
@ApiSchema({ name: 'BacktestRequest', description: 'The time range of the decisions to replay; all of them without one. Unknown fields are refused.' })
export class BacktestRequestDto extends TimeRangeQuery {}
