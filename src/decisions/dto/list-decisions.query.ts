import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, Matches, Max, MaxLength, Min } from 'class-validator';
import { IsPhoneNumber, IsSubjectId } from '../../common/http/validators';
import { UUID_PATTERN } from '../../common/ids/uuid7';
import { Action, ACTIONS } from '../../scoring/actions';

export class ListDecisionsQuery {
  @IsOptional()
  @IsString()
  @MaxLength(64)
  useCase?: string;

  @IsOptional()
  @IsIn(ACTIONS)
  outcome?: Action;

  @IsOptional()
  @IsSubjectId()
  subjectId?: string;

  /** Finds the number's decisions through its keyed hash. */
  @IsOptional()
  @IsPhoneNumber()
  phoneNumber?: string;

  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(100)
  limit = 20;

  /** `nextCursor` of the previous page. */
  @IsOptional()
  @Matches(UUID_PATTERN, { message: 'cursor must be a nextCursor returned by this endpoint' })
  cursor?: string;
}
