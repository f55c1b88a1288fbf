import { ApiProperty, ApiPropertyOptional, ApiSchema } from '@nestjs/swagger';
import { IsIn, IsString, MaxLength, MinLength } from 'class-validator';
import { Optional } from '../../common/http/validators';
import { Disposition, DISPOSITIONS } from '../case-rows';

@ApiSchema({ name: 'CaseNoteRequest' })
export class CaseNoteDto {
  @ApiProperty({ description: "The analyst's note, kept in the case's audit trail (not sent in webhooks).", minLength: 1, maxLength: 2000, example: 'Customer called from the registered number; SIM swap confirmed in store.' })
  @IsString()
  @MinLength(1)
  @MaxLength(2000)
  note!: string;
}

@ApiSchema({ name: 'CaseResolutionRequest' })
export class ResolveCaseDto {
  @ApiProperty({
    description: 'What the analyst found. `fraud` and `legitimate` become the decision\'s label (backtests measure precision and recall with it); `inconclusive` leaves the decision unlabelled.',
    enum: DISPOSITIONS,
    enumName: 'Disposition',
    example: 'fraud',
  })
  @IsIn(DISPOSITIONS)
  disposition!: Disposition;

  @ApiPropertyOptional({ description: 'A note kept with the resolution.', minLength: 1, maxLength: 2000, example: 'Recovery attempt two hours after a SIM swap.' })
  @Optional()
  @IsString()
  @MinLength(1)
  @MaxLength(2000)
  note?: string;
}
