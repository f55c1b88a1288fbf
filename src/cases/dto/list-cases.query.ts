import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import { IsBoolean, IsIn, IsInt, IsString, Matches, Max, MaxLength, Min } from 'class-validator';
import { PageCursor, PageLimit } from '../../common/http/page-params';
import { Optional } from '../../common/http/validators';
import { CASE_STATUSES, CaseStatus } from '../case-rows';

/** Filters of the review queue, oldest first (the order work is taken in), a page at a time. */
export class ListCasesQuery {
  @ApiPropertyOptional({ description: 'Cases in this state only.', enum: CASE_STATUSES, enumName: 'CaseStatus', example: 'open' })
  @Optional()
  @IsIn(CASE_STATUSES)
  status?: CaseStatus;

  @ApiPropertyOptional({ description: 'Cases of this use case only.', minLength: 1, maxLength: 64, example: 'account_recovery' })
  @Optional()
  @IsString()
  @MaxLength(64)
  useCase?: string;

  @ApiPropertyOptional({ description: 'Cases claimed by this API key id; `me` for the calling key.', maxLength: 64, example: 'me' })
  @Optional()
  @Matches(/^(me|[A-Za-z0-9_-]{1,64})$/, { message: 'assignee must be an API key id or "me"' })
  assignee?: string;

  @ApiPropertyOptional({ description: '`true`: unresolved cases past their due time (the use case\'s review SLA); `false`: the others.', enum: ['true', 'false'], example: 'true' })
  @Optional()
  @Transform(({ value }: { value: unknown }) => (value === 'true' ? true : value === 'false' ? false : value))
  @IsBoolean({ message: 'overdue must be true or false' })
  overdue?: boolean;

  @ApiPropertyOptional({ description: 'Cases opened more than this many minutes ago.', type: 'integer', minimum: 0, maximum: 525600, example: 60 })
  @Optional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(525_600)
  olderThanMinutes?: number;

  @PageLimit('Cases per page.')
  limit = 20;

  @PageCursor()
  cursor?: string;
}
