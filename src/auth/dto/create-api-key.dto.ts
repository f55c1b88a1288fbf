import { ApiProperty, ApiPropertyOptional, ApiSchema } from '@nestjs/swagger';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsIn, IsInt, IsString, Matches, Max, MaxLength, Min, MinLength } from 'class-validator';
import { Optional } from '../../common/http/validators';
import { Scope, SCOPES, USE_CASE_ID } from '../scopes';

@ApiSchema({ name: 'ApiKeyRequest', description: 'The key to create. Unknown fields are refused.' })
export class CreateApiKeyDto {
  /** Who or what uses the key, for people reading the list: `payments-service`, `fraud-analysts`. */
  @ApiProperty({ description: 'Who or what uses the key, for people reading the list.', minLength: 1, maxLength: 100, example: 'payments-service' })
  @IsString()
  @MinLength(1)
  @MaxLength(100)
  label!: string;

  /** What the key may do: decisions:write, decisions:read, policies:read, cases:read, cases:write, admin (all of them). */
  @ApiProperty({
    description: 'What the key may do: `decisions:write`, `decisions:read`, `policies:read`, `cases:read` (the review queue), `cases:write` (claim, note, resolve), or `admin` (all of them).',
    enum: SCOPES,
    enumName: 'Scope',
    isArray: true,
    minItems: 1,
    maxItems: SCOPES.length,
    example: ['decisions:write'],
  })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(SCOPES.length)
  @IsIn(SCOPES, { each: true })
  scopes!: Scope[];

  /** The only use cases the key may decide and read; all when absent. */
  @ApiPropertyOptional({
    description: 'The only use cases (policy ids) the key may decide and read; all when absent.',
    type: 'string',
    isArray: true,
    pattern: USE_CASE_ID.source,
    minItems: 1,
    maxItems: 50,
    example: ['p2p_recipient'],
  })
  @Optional()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(50)
  @Matches(USE_CASE_ID, { each: true, message: 'useCases must be policy ids (a-z, 0-9, _)' })
  useCases?: string[];

  /** Requests per second for this key (bursts of RATE_LIMIT_BURST_SECONDS times it); the configured default when absent. */
  @ApiPropertyOptional({ description: 'Requests per second for this key (bursts of `RATE_LIMIT_BURST_SECONDS` times it); the configured default when absent.', type: 'integer', minimum: 1, maximum: 100_000, example: 50 })
  @Optional()
  @IsInt()
  @Min(1)
  @Max(100_000)
  rateLimitPerSecond?: number;
}
