import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, Matches, Max, Min } from 'class-validator';
import { Optional } from '../../common/http/validators';
import { UUID_PATTERN } from '../../common/ids/uuid7';

/** A page of a subscription's delivery log, newest first. */
export class ListDeliveriesQuery {
  @ApiPropertyOptional({ description: 'Deliveries per page.', type: 'integer', minimum: 1, maximum: 100, default: 20 })
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
