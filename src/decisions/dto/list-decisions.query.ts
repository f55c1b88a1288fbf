import { Type } from 'class-transformer';
import { IsIn, IsInt, IsString, Matches, Max, MaxLength, Min } from 'class-validator';
import { IsPhoneNumber, IsSubjectId, Optional } from '../../common/http/validators';
import { UUID_PATTERN } from '../../common/ids/uuid7';
import { Action, ACTIONS } from '../../scoring/actions';

export class ListDecisionsQuery {
  @Optional()
  @IsString()
  @MaxLength(64)
  useCase?: string;

  @Optional()
  @IsIn(ACTIONS)
  outcome?: Action;

  @Optional()
  @IsSubjectId()
  subjectId?: string;

  /** Finds the number's decisions through its keyed hash. */
  @Optional()
  @IsPhoneNumber()
  phoneNumber?: string;

  @Optional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(100)
  limit = 20;

  /** `nextCursor` of the previous page. */
  @Optional()
  @Matches(UUID_PATTERN, { message: 'cursor must be a nextCursor returned by this endpoint' })
  cursor?: string;
}
