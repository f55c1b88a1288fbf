import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsString, MaxLength } from 'class-validator';
import { PageCursor, PageLimit } from '../../common/http/page-params';
import { IsPhoneNumber, IsSubjectId, Optional } from '../../common/http/validators';
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

  @PageLimit('Decisions per page.')
  limit = 20;

  @PageCursor()
  cursor?: string;
}
