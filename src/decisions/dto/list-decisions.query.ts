import { Type } from 'class-transformer';
import { IsIn, IsInt, IsNotEmpty, IsOptional, IsString, Matches, Max, MaxLength, Min } from 'class-validator';
import { UUID_PATTERN } from '../../common/ids/uuid7';
import { PHONE_NUMBER_PATTERN } from '../../common/phone/phone-number';
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
  @IsString()
  @IsNotEmpty()
  @MaxLength(128)
  subjectId?: string;

  /** Finds the number's decisions through its keyed hash. */
  @IsOptional()
  @Matches(PHONE_NUMBER_PATTERN, { message: 'phoneNumber must be E.164, matching ^\\+[1-9][0-9]{4,14}$' })
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
