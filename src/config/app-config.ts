import { join } from 'node:path';
import { plainToInstance, Transform } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, Matches, Max, Min, MinLength, validateSync } from 'class-validator';
import { PACKAGE_ROOT } from './package-root';

/** A key for development and tests only: production refuses to start without a real one. */
export const DEVELOPMENT_HASH_KEY = 'linetrust-development-key-do-not-use-in-production';

const toInt = ({ value }: { value: unknown }) => (value === undefined || value === '' ? undefined : Number(value));

/**
 * The service's configuration, from environment variables (and a `.env` file), validated at
 * start-up: a wrong value stops the service with a message that names the variable.
 */
export class AppConfig {
  /** `production` requires PHONE_NUMBER_HASH_KEY and logs JSON-friendly single lines. */
  @IsIn(['development', 'production', 'test'])
  NODE_ENV: 'development' | 'production' | 'test' = 'development';

  @IsString()
  HOST = '0.0.0.0';

  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(65535)
  PORT = 3000;

  /** `file:<path>` for SQLite (default), `postgresql://...[?schema=name]` for PostgreSQL. */
  @Matches(/^(file:.+|postgres(ql)?:\/\/.+)$/, { message: 'DATABASE_URL must be file:<path> or postgresql://...' })
  DATABASE_URL = 'file:./data/linetrust.db';

  /** Folder of the policy files, one `<useCase>.json` each. */
  @IsString()
  RULES_DIR = join(PACKAGE_ROOT, 'rules');

  /** The sandbox operator's line dataset. */
  @IsString()
  SANDBOX_LINES_FILE = join(PACKAGE_ROOT, 'src', 'signals', 'sandbox', 'demo-lines.json');

  /** HMAC-SHA256 key for stored phone numbers (32+ characters). Required in production. */
  @IsOptional()
  @IsString()
  @MinLength(32, { message: 'PHONE_NUMBER_HASH_KEY must be at least 32 characters' })
  PHONE_NUMBER_HASH_KEY?: string;

  @IsIn(['error', 'warn', 'log', 'debug', 'verbose'])
  LOG_LEVEL: 'error' | 'warn' | 'log' | 'debug' | 'verbose' = 'log';

  /** Largest request body accepted, in bytes (larger: 413). */
  @Transform(toInt)
  @IsInt()
  @Min(1024)
  @Max(10_485_760)
  BODY_LIMIT_BYTES = 16_384;

  get hashKey(): string {
    return this.PHONE_NUMBER_HASH_KEY ?? DEVELOPMENT_HASH_KEY;
  }
}

export const CONFIG_KEYS = [...new Set([...Object.keys(new AppConfig()), 'PHONE_NUMBER_HASH_KEY'])] as (keyof AppConfig)[];

export class ConfigInvalidError extends Error {}

/** Validates raw variables into an AppConfig; throws naming every wrong variable. */
export function validateConfig(raw: Record<string, unknown>): AppConfig {
  const known = Object.fromEntries(
    CONFIG_KEYS.filter((key) => raw[key] !== undefined && raw[key] !== '').map((key) => [key, raw[key]]),
  );
  const config = plainToInstance(AppConfig, known);
  const errors = validateSync(config, { skipMissingProperties: false });
  const problems = errors.flatMap((error) =>
    Object.values(error.constraints ?? {}).map((message) =>
      message.startsWith(error.property) ? message : `${error.property}: ${message}`,
    ),
  );
  if (config.NODE_ENV === 'production' && !config.PHONE_NUMBER_HASH_KEY) {
    problems.push('PHONE_NUMBER_HASH_KEY is required when NODE_ENV=production (phone numbers are stored as keyed hashes)');
  }
  if (problems.length > 0) throw new ConfigInvalidError(`Invalid configuration:\n  ${problems.join('\n  ')}`);
  return config;
}
