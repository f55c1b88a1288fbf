import { IsIn } from 'class-validator';
import { Label } from '../../scoring/backtest';

export class FeedbackDto {
  /** What the decision turned out to be. */
  @IsIn(['fraud', 'legitimate'])
  label!: Label;
}
