import { ApiProperty, ApiSchema } from '@nestjs/swagger';
import { IsIn } from 'class-validator';
import { Label } from '../../scoring/backtest';

@ApiSchema({ name: 'FeedbackRequest' })
export class FeedbackDto {
  /** What the decision turned out to be. */
  @ApiProperty({ description: 'What the decision turned out to be.', enum: ['fraud', 'legitimate'], enumName: 'Label', example: 'fraud' })
  @IsIn(['fraud', 'legitimate'])
  label!: Label;
}
