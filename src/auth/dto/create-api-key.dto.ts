import { ArrayMaxSize, ArrayMinSize, IsArray, IsIn, IsInt, IsString, Matches, Max, MaxLength, Min, MinLength } from 'class-validator';
import { Optional } from '../../common/http/validators';
import { Scope, SCOPES } from '../scopes';

export class CreateApiKeyDto {
  /** Who or what uses the key, for people reading the list: `payments-service`, `fraud-analysts`. */
  @IsString()
  @MinLength(1)
  @MaxLength(100)
  label!: string;

  /** What the key may do: decisions:write, decisions:read, policies:read, admin (all of them). */
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(SCOPES.length)
  @IsIn(SCOPES, { each: true })
  scopes!: Scope[];

  /** The only use cases the key may decide and read; all when absent. */
  @Optional()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(50)
  @Matches(/^[a-z0-9_]{1,64}$/, { each: true, message: 'useCases must be policy ids (a-z, 0-9, _)' })
  useCases?: string[];

  /** Requests per second for this key (bursts of RATE_LIMIT_BURST_SECONDS times it); the configured default when absent. */
  @Optional()
  @IsInt()
  @Min(1)
  @Max(100_000)
  rateLimitPerSecond?: number;
}
