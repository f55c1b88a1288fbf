import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsString, Matches, Max, MaxLength, Min } from 'class-validator';
import { IsPhoneNumber, IsSubjectId, Optional } from '../../common/http/validators';
import { UUID_PATTERN } from '../../common/ids/uuid7';
import { PHONE_NUMBER_PATTERN } from '../../common/phone/phone-number';
import { Action, ACTIONS } from '../../scoring/actions';
import { TimeRangeQuery } from './time-range.query';

/** Filters of the decisions list (and `from`/`to`), newest first, a page at a time. */
export class ListDecisionsQuery extends TimeRangeQuery {
  @ApiPropertyOptional({ description: 'Decisions of this use case only.', minLength: 1, maxLength: 64, example: 'onboarding' })
  @Optional()
  @IsString()
  @MaxLength(64)
  useCase?: string;

  @ApiPropertyOptional({ description: 'Decisions with this outcome only.', enum: ACTIONS, enumName: 'Action', example: 'BLOCK' })
  @Optional()
  @IsIn(ACTIONS)
  outcome?: Action;

  @ApiPropertyOptional({ description: "Decisions given with this caller's account id.", minLength: 1, maxLength: 128, example: 'customer-8841' })
  @Optional()
  @IsSubjectId()
  subjectId?: string;

  /** Finds the number's decisions through its keyed hash. */
  @ApiPropertyOptional({ description: "The number's decisions, found through its keyed hash (E.164).", pattern: PHONE_NUMBER_PATTERN.source, example: '+34600000001' })
  @Optional()
  @IsPhoneNumber()
  phoneNumber?: string;

  @ApiPropertyOptional({ description: 'Decisions per page.', type: 'integer', minimum: 1, maximum: 100, default: 20 })
  @Optional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(100)
  limit = 20;

  /** `nextCursor` of the previous page. */
  @ApiPropertyOptional({ description: '`nextCursor` of the previous page.', format: 'uuid', example: '01a20149-7354-70d1-94a1-d52bc3b0c889' })
  @Optional()
  @Matches(UUID_PATTERN, { message: 'cursor must be a nextCursor returned by this endpoint' })
  cursor?: string;
}
