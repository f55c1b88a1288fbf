import { applyDecorators } from '@nestjs/common';
import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, Matches, Max, Min } from 'class-validator';
import { UUID_PATTERN } from '../ids/uuid7';
import { Optional } from './validators';

/** Largest page any list answers: a page is read and serialised in one go. */
export const MAX_PAGE_SIZE = 100;

/**
 * `limit` of a paged list (1 to 100; the property's initialiser is the default, 20 for every
 * list today). `description` names what is counted, e.g. "Cases per page.".
 */
export function PageLimit(description: string): PropertyDecorator {
  return applyDecorators(
    ApiPropertyOptional({ description, type: 'integer', minimum: 1, maximum: MAX_PAGE_SIZE, default: 20 }),
    Optional(),
    Type(() => Number),
    IsInt(),
    Min(1),
    Max(MAX_PAGE_SIZE),
  );
}

/**
 * `cursor` of a paged list: the `nextCursor` of the previous page, the id (a UUID) of the last
 * row it held. Anything else is refused rather than read as "from the start".
 */
export function PageCursor(): PropertyDecorator {
  return applyDecorators(
    ApiPropertyOptional({ description: '`nextCursor` of the previous page.', format: 'uuid', example: '01a20149-7354-70d1-94a1-d52bc3b0c889' }),
    Optional(),
    Matches(UUID_PATTERN, { message: 'cursor must be a nextCursor returned by this endpoint' }),
  );
}
