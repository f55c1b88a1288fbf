import { join } from 'node:path';
import { applyDecorators } from '@nestjs/common';
import { plainToInstance, Transform } from 'class-transformer';
import { IsBoolean, IsIn, IsInt, IsNumber, IsOptional, IsString, IsUrl, Matches, Max, Min, MinLength, validateSync } from 'class-validator';
import { LogLevelName, LogLevelSetting } from '../common/logging/log-level';
import { parseDatabaseUrl } from '../prisma/database-url';
import { PACKAGE_ROOT } from './package-root';

/** A key for development and tests only: production refuses to start without a real one. */
export const DEVELOPMENT_HASH_KEY = 'linetrust-development-key-do-not-use-in-production';

const toInt = ({ value }: { value: unknown }) => (value === undefined || value === '' ? undefined : Number(value));

/** An integer variable within bounds (environment variables arrive as strings). */
function IntSetting(min: number, max = Number.MAX_SAFE_INTEGER): PropertyDecorator {
  return applyDecorators(Transform(toInt), IsInt(), Min(min), Max(max));
}

/** `true`/`1` or `false`/`0`; anything else stays as written and fails validation (a typo is not read as false). */
const strictBoolean = ({ value }: { value: unknown }) => {
  if (value === 'true' || value === '1') return true;
  if (value === 'false' || value === '0') return false;
  return value;
};

/**
 * The service's configuration, from environment variables (and a `.env` file), validated at
 * start-up: a wrong value stops the service with a message that names the variable.
 */
export class AppConfig {
  /** `production` requires PHONE_NUMBER_HASH_KEY and logs JSON lines unless LOG_FORMAT says otherwise. */
  @IsIn(['development', 'production', 'test'])
  NODE_ENV: 'development' | 'production' | 'test' = 'development';

  @IsString()
  HOST = '0.0.0.0';

  @IntSetting(0, 65535)
  PORT = 3000;

  /**
   * Processes serving PORT on this machine (Node's cluster: the primary applies the migrations,
   * then forks them and restarts one that dies). 1 runs the service in this process. Set it to
   * the cores you give LineTrust; with more than one, FLEET_STATE=auto shares the fleet state
   * through the database, as instances on one database do.
   */
  @IntSetting(1, 64)
  WORKERS = 1;

  /**
   * How far V8 lets its heap grow past what the last full GC kept, in percent (V8's
   * --heap-growing-percent); 0 leaves V8's own heuristic. V8's own lets it grow up to 4x under a
   * steady request load, though a decision keeps almost nothing: 100 held the service at about
   * 270 MB of RSS under the bench's load instead of about 390, at the same throughput within the
   * runs' noise (docs/benchmarks.md).
   */
  @IntSetting(0, 400)
  HEAP_GROWING_PERCENT = 100;

  /**
   * Once a load ends (6 s of quiet after a busy period), one full GC that compacts the heap, so
   * that its garbage pages go back to the system: otherwise nothing allocates, no GC comes, and
   * the RSS stays where the load left it (about 50% above idle after the bench's load, against 1%
   * to 27% with it). The event loop is idle then, so no request waits for it. See compactingGc.
   */
  @Transform(strictBoolean)
  @IsBoolean()
  RELEASE_MEMORY_WHEN_IDLE = true;

  /** `file:<path>` for SQLite (default), `postgresql://...[?schema=name]` for PostgreSQL. */
  @Matches(/^(file:.+|postgres(ql)?:\/\/.+)$/, { message: 'DATABASE_URL must be file:<path> or postgresql://...' })
  DATABASE_URL = 'file:./data/linetrust.db';

  /** Folder of the policy files, one `<useCase>.json` each. */
  @IsString()
  RULES_DIR = join(PACKAGE_ROOT, 'rules');

  /** Pick up changes in RULES_DIR without a restart (validated first; a broken file is refused). */
  @Transform(({ value }: { value: unknown }) => (typeof value === 'string' ? value !== 'false' && value !== '0' : value))
  @IsBoolean()
  POLICY_RELOAD = true;

  /**
   * Whether an open circuit breaker makes /health/ready fail. Off by default: an operator outage
   * opens the circuit on every instance alike, and taking them all out of rotation would turn
   * a missing signal (decided as UNAVAILABLE by the policy) into no decisions at all. Turn it on
   * to fail over to another deployment with its own operator connection.
   */
  @Transform(({ value }: { value: unknown }) => (typeof value === 'string' ? value === 'true' || value === '1' : value))
  @IsBoolean()
  READY_REQUIRES_CLOSED_CIRCUITS = false;

  /** The sandbox operator's line dataset. */
  @IsString()
  SANDBOX_LINES_FILE = join(PACKAGE_ROOT, 'src', 'signals', 'sandbox', 'demo-lines.json');

  /** HMAC-SHA256 key for stored phone numbers (32+ characters). Required in production. */
  @IsOptional()
  @IsString()
  @MinLength(32, { message: 'PHONE_NUMBER_HASH_KEY must be at least 32 characters' })
  PHONE_NUMBER_HASH_KEY?: string;

  /** pino's level names: trace, debug, info, warn, error, fatal, silent (Nest's log and verbose still read). */
  @LogLevelSetting()
  LOG_LEVEL: LogLevelName = 'info';

  /** `json` (one JSON object per line) or `pretty` (readable lines); see `logFormat` for the default. */
  @IsOptional()
  @IsIn(['json', 'pretty'])
  LOG_FORMAT?: 'json' | 'pretty';

  /** Largest request body accepted, in bytes (larger: 413). */
  @IntSetting(1024, 10_485_760)
  BODY_LIMIT_BYTES = 16_384;

  // --- Operator gateways. An API without a URL is answered by the built-in sandbox operator.

  /**
   * A JSON file of operator gateways (token flows, client authentication, scopes, paths) and
   * the routing of numbers to them: see docs/gateways.md. Replaces the *_API_URL and
   * OPERATOR_* variables below, which then must not be set.
   */
  @IsOptional()
  @IsString()
  GATEWAYS_FILE?: string;

  /** apiRoot of the KYC Tenure API, e.g. https://gateway.example.com (path /kyc-tenure/<version> is added). */
  @IsOptional()
  @IsUrl({ require_tld: false, protocols: ['http', 'https'], require_protocol: true })
  TENURE_API_URL?: string;

  @IsIn(['v0.3rc1', 'v0.2'])
  TENURE_API_VERSION: 'v0.3rc1' | 'v0.2' = 'v0.3rc1';

  @IsOptional()
  @IsUrl({ require_tld: false, protocols: ['http', 'https'], require_protocol: true })
  NUMBER_RECYCLING_API_URL?: string;

  @IsIn(['v0.3rc1', 'v0.2'])
  NUMBER_RECYCLING_API_VERSION: 'v0.3rc1' | 'v0.2' = 'v0.3rc1';

  /** apiRoot of SIM Swap v2. */
  @IsOptional()
  @IsUrl({ require_tld: false, protocols: ['http', 'https'], require_protocol: true })
  SIM_SWAP_API_URL?: string;

  /** apiRoot of Device Swap v1. */
  @IsOptional()
  @IsUrl({ require_tld: false, protocols: ['http', 'https'], require_protocol: true })
  DEVICE_SWAP_API_URL?: string;

  /** OAuth2 token endpoint (client credentials), required when any API URL is set. */
  @IsOptional()
  @IsUrl({ require_tld: false, protocols: ['http', 'https'], require_protocol: true })
  OPERATOR_TOKEN_URL?: string;

  @IsOptional()
  @IsString()
  OPERATOR_CLIENT_ID?: string;

  @IsOptional()
  @IsString()
  OPERATOR_CLIENT_SECRET?: string;

  /**
   * Limit of one token request. Longer than a signal call: a token serves many decisions, and
   * its fetch goes on (shared, cached) after the decision that started it has moved on.
   */
  @IntSetting(100, 120_000)
  OPERATOR_TOKEN_TIMEOUT_MS = 10_000;

  // --- Resilience: none of it may make a decision fail or hang.

  /** Timeout of one call to an operator API. */
  @IntSetting(10, 60_000)
  SIGNAL_TIMEOUT_MS = 1500;

  /** Calls per query at most, retries of transient failures (429, 5xx, timeouts) included. */
  @IntSetting(1, 10)
  SIGNAL_MAX_ATTEMPTS = 3;

  /** First retry backoff (doubles per retry, full jitter); Retry-After is honoured. */
  @IntSetting(0, 60_000)
  SIGNAL_BACKOFF_MS = 100;

  /** Longest wait before a retry; a longer Retry-After means no retry. */
  @IntSetting(0, 60_000)
  SIGNAL_MAX_BACKOFF_MS = 1000;

  /** Overall time for a decision's signals; signals missing then are recorded UNAVAILABLE. */
  @IntSetting(50, 120_000)
  DECISION_DEADLINE_MS = 3000;

  /** Consecutive failures that open an API's circuit breaker. */
  @IntSetting(1, 1000)
  CIRCUIT_FAILURE_THRESHOLD = 5;

  /** How long an open circuit refuses calls before one probe. */
  @IntSetting(100, 3_600_000)
  CIRCUIT_OPEN_MS = 30_000;

  // --- Cross-request signal cache (answers only; failures and unknowns are never cached).

  /** Seconds a KYC Tenure answer is reused: tenure changes slowly (0 disables). */
  @IntSetting(0)
  CACHE_TTL_TENURE_S = 21_600;

  /** Number Recycling: a new holder is rare but decisive for account recovery. */
  @IntSetting(0)
  CACHE_TTL_NUMBER_RECYCLING_S = 3600;

  /** SIM Swap: a swap can happen any minute, and it is the takeover signal. */
  @IntSetting(0)
  CACHE_TTL_SIM_SWAP_S = 60;

  @IntSetting(0)
  CACHE_TTL_DEVICE_SWAP_S = 300;

  /** Entries the in-memory cache keeps at most (oldest out first). */
  @IntSetting(0)
  CACHE_MAX_ENTRIES = 100_000;

  // --- Access control.

  /** Seconds a looked-up API key is trusted before it is read again (how long a revocation takes on other instances). */
  @IntSetting(0, 3600)
  API_KEY_CACHE_TTL_S = 10;

  /** Requests per second per API key on average (0: no limit); a key can have its own. */
  @IntSetting(0, 1_000_000)
  RATE_LIMIT_PER_SECOND = 100;

  /** A key may burst this many seconds' worth of requests at once. */
  @IntSetting(1, 3600)
  RATE_LIMIT_BURST_SECONDS = 2;

  // --- Privacy: what is kept, and for how long.

  /** Decisions older than this are deleted by the retention job (0: kept forever). */
  @IntSetting(0, 36_500)
  RETENTION_DAYS = 365;

  /** How often the retention job runs in the service (0: only with `npm run privacy -- purge`). */
  @IntSetting(0, 10_080)
  RETENTION_INTERVAL_MINUTES = 60;

  /** Rows deleted per batch (one transaction): small batches keep live traffic flowing between them. */
  @IntSetting(1, 100_000)
  RETENTION_BATCH_SIZE = 500;

  /** How long an Idempotency-Key is remembered (a retry after this makes a new decision). */
  @IntSetting(1, 8760)
  IDEMPOTENCY_TTL_HOURS = 24;

  // --- Bounded answers (decision budget, errors before our code runs).

  /**
   * Time beyond DECISION_DEADLINE_MS, counted from the request's arrival, for the policy and the
   * durable write: a decision not committed by then is answered 503 (Retry-After) and not stored.
   */
  @IntSetting(10, 60_000)
  DECISION_WRITE_BUDGET_MS = 1000;

  // --- Policies for a fleet (src/policies/).

  /**
   * `files`: each instance serves RULES_DIR (watched when POLICY_RELOAD). `database`: the
   * ActivePolicy table is the fleet's one source, RULES_DIR only seeds use cases it lacks.
   */
  @IsIn(['files', 'database'])
  POLICY_SOURCE: 'files' | 'database' = 'files';

  /** Database mode: how often an instance checks the active policies (PostgreSQL also hears NOTIFY). */
  @IntSetting(50, 600_000)
  POLICY_POLL_MS = 2000;

  // --- Fleet-wide state (src/auth/ rate limits and key revocations, src/signals/cache/).

  /**
   * Where rate-limit counts, key revocations and cached operator answers live. `database`:
   * shared by every instance on the database; `local`: in each instance's memory; `auto`:
   * `database` on PostgreSQL (where a fleet runs) or with WORKERS > 1, else `local`.
   */
  @IsIn(['auto', 'local', 'database'])
  FLEET_STATE: 'auto' | 'local' | 'database' = 'auto';

  // --- Webhooks (src/webhooks/, docs/webhooks.md).

  /** `on`: this instance sends due deliveries from the outbox; `off`: it only writes them (a tool, a CLI). */
  @IsIn(['on', 'off'])
  WEBHOOK_DELIVERY: 'on' | 'off' = 'on';

  /** How often an instance looks for due deliveries in the outbox. */
  @IntSetting(10, 600_000)
  WEBHOOK_POLL_MS = 1000;

  /** How often an instance reads the subscriptions again: how long a change made on another instance takes to reach it. */
  @IntSetting(100, 600_000)
  WEBHOOK_REFRESH_MS = 5000;

  /** Time for one send, from resolving the host to the end of the answer. */
  @IntSetting(100, 60_000)
  WEBHOOK_TIMEOUT_MS = 5000;

  /** Sends of one delivery at most, the first included; it is marked failed after the last. */
  @IntSetting(1, 50)
  WEBHOOK_MAX_ATTEMPTS = 8;

  /**
   * Ceiling of the first retry's wait, doubling per retry (full jitter). With the defaults the
   * eight sends span up to about an hour: a receiver down for a deploy or a short outage gets
   * everything, where a 1 s base would give up within two minutes.
   */
  @IntSetting(1, 3_600_000)
  WEBHOOK_BACKOFF_BASE_MS = 30_000;

  /** No wait between two sends is longer than this. */
  @IntSetting(1, 86_400_000)
  WEBHOOK_BACKOFF_CAP_MS = 3_600_000;

  /** Failed deliveries in a row (each after its last attempt) that disable a subscription. */
  @IntSetting(1, 1000)
  WEBHOOK_DISABLE_AFTER = 5;

  /** Deliveries an instance claims and sends at once. */
  @IntSetting(1, 500)
  WEBHOOK_BATCH_SIZE = 20;

  /** Accept http:// subscription URLs (webhooks carry decisions: https only unless set, for tests and local receivers). */
  @Transform(strictBoolean)
  @IsBoolean({ message: 'WEBHOOK_ALLOW_HTTP must be true or false' })
  WEBHOOK_ALLOW_HTTP = false;

  /** Deliver to loopback, private, link-local and CGNAT addresses (the SSRF guard refuses them unless set). */
  @Transform(strictBoolean)
  @IsBoolean({ message: 'WEBHOOK_ALLOW_PRIVATE_NETWORKS must be true or false' })
  WEBHOOK_ALLOW_PRIVATE_NETWORKS = false;

  // --- Tracing (src/tracing/, docs/tracing.md): OpenTelemetry's own variables, read here only.

  /** `true` records no span whatever else is set (OpenTelemetry's switch); trace ids are still logged and passed on. */
  @Transform(strictBoolean)
  @IsBoolean({ message: 'OTEL_SDK_DISABLED must be true or false' })
  OTEL_SDK_DISABLED = false;

  /**
   * `otlp` records spans and sends them over OTLP/HTTP. `none` by default, unlike OpenTelemetry's
   * SDKs: a service that nobody collects from must not spend time or connections on spans.
   */
  @IsIn(['none', 'otlp'], { message: 'OTEL_TRACES_EXPORTER must be none or otlp (the only exporter this service ships)' })
  OTEL_TRACES_EXPORTER: 'none' | 'otlp' = 'none';

  /** Base URL of the collector (`/v1/traces` is added); OpenTelemetry's default is http://localhost:4318. */
  @IsOptional()
  @IsUrl({ require_tld: false, protocols: ['http', 'https'], require_protocol: true }, { message: 'OTEL_EXPORTER_OTLP_ENDPOINT must be an http(s) URL' })
  OTEL_EXPORTER_OTLP_ENDPOINT?: string;

  /** Full URL for spans, used as written; wins over OTEL_EXPORTER_OTLP_ENDPOINT. */
  @IsOptional()
  @IsUrl({ require_tld: false, protocols: ['http', 'https'], require_protocol: true }, { message: 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT must be an http(s) URL' })
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT?: string;

  /** OTLP over HTTP, protobuf (default) or JSON; gRPC is not shipped (use port 4318, not 4317). */
  @IsIn(['http/protobuf', 'http/json'], { message: 'OTEL_EXPORTER_OTLP_PROTOCOL must be http/protobuf or http/json (grpc is not supported: use the collector\'s HTTP port, 4318)' })
  OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf' | 'http/json' = 'http/protobuf';

  /** Headers of every export, `key1=value1,key2=value2` (a vendor's API key): a secret, never logged. */
  @IsOptional()
  @IsString()
  OTEL_EXPORTER_OTLP_HEADERS?: string;

  /** The `service.name` of every span. */
  @IsString()
  @MinLength(1)
  OTEL_SERVICE_NAME = 'linetrust';

  /**
   * Which traces are recorded. The default follows the caller: a `traceparent` marked sampled
   * is recorded, one marked not sampled is not, and a request without one starts a recorded trace.
   */
  @IsIn(['always_on', 'always_off', 'traceidratio', 'parentbased_always_on', 'parentbased_always_off', 'parentbased_traceidratio'])
  OTEL_TRACES_SAMPLER: 'always_on' | 'always_off' | 'traceidratio' | 'parentbased_always_on' | 'parentbased_always_off' | 'parentbased_traceidratio' = 'parentbased_always_on';

  /** The share of traces recorded by the `*traceidratio` samplers, 0 to 1. */
  @Transform(({ value }: { value: unknown }) => (typeof value === 'string' ? Number(value) : value))
  @IsNumber({}, { message: 'OTEL_TRACES_SAMPLER_ARG must be a number from 0 to 1' })
  @Min(0, { message: 'OTEL_TRACES_SAMPLER_ARG must be a number from 0 to 1' })
  @Max(1, { message: 'OTEL_TRACES_SAMPLER_ARG must be a number from 0 to 1' })
  OTEL_TRACES_SAMPLER_ARG = 1;

  /** True when FLEET_STATE resolves to `database`. */
  get sharedFleetState(): boolean {
    if (this.FLEET_STATE !== 'auto') return this.FLEET_STATE === 'database';
    return this.WORKERS > 1 || this.onPostgres;
  }

  /**
   * Whether the operator answers are cached in the database. Like sharedFleetState, except that
   * the workers of WORKERS > 1 on SQLite keep their own (see WorkerSignalCache): through SQLite
   * it cost more than the operator calls it saved.
   */
  get sharedSignalCache(): boolean {
    if (this.FLEET_STATE !== 'auto') return this.FLEET_STATE === 'database';
    return this.onPostgres;
  }

  private get onPostgres(): boolean {
    return /^postgres(ql)?:\/\//.test(this.DATABASE_URL);
  }

  get hashKey(): string {
    return this.PHONE_NUMBER_HASH_KEY ?? DEVELOPMENT_HASH_KEY;
  }

  /** JSON in production, where a log pipeline reads the lines; readable lines elsewhere. */
  get logFormat(): 'json' | 'pretty' {
    return this.LOG_FORMAT ?? (this.NODE_ENV === 'production' ? 'json' : 'pretty');
  }
}

const OPTIONAL_KEYS = [
  'PHONE_NUMBER_HASH_KEY',
  'GATEWAYS_FILE',
  'LOG_FORMAT',
  'TENURE_API_URL',
  'NUMBER_RECYCLING_API_URL',
  'SIM_SWAP_API_URL',
  'DEVICE_SWAP_API_URL',
  'OPERATOR_TOKEN_URL',
  'OPERATOR_CLIENT_ID',
  'OPERATOR_CLIENT_SECRET',
  'OTEL_EXPORTER_OTLP_ENDPOINT',
  'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT',
  'OTEL_EXPORTER_OTLP_HEADERS',
];
export const CONFIG_KEYS = [...new Set([...Object.keys(new AppConfig()), ...OPTIONAL_KEYS])] as (keyof AppConfig)[];

export class ConfigInvalidError extends Error {}

/**
 * The whole environment a configuration was validated from, for the secrets a gateways file
 * names ({ "env": "NAME" }): kept beside the config, not on it, so it is never serialised.
 */
const ENVIRONMENTS = new WeakMap<AppConfig, Readonly<Record<string, string | undefined>>>();

export function environmentOf(config: AppConfig): Readonly<Record<string, string | undefined>> {
  return ENVIRONMENTS.get(config) ?? {};
}

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
  try {
    parseDatabaseUrl(config.DATABASE_URL);
  } catch (error) {
    problems.push((error as Error).message);
  }
  if (config.OTEL_EXPORTER_OTLP_HEADERS !== undefined && parseOtlpHeaders(config.OTEL_EXPORTER_OTLP_HEADERS) === undefined) {
    // The value is a secret: the message says what is wrong, never what was written.
    problems.push('OTEL_EXPORTER_OTLP_HEADERS must be key=value pairs separated by commas (values URL-encoded)');
  }
  if (config.WEBHOOK_BACKOFF_CAP_MS < config.WEBHOOK_BACKOFF_BASE_MS) problems.push('WEBHOOK_BACKOFF_CAP_MS must be at least WEBHOOK_BACKOFF_BASE_MS');
  const remote = [config.TENURE_API_URL, config.NUMBER_RECYCLING_API_URL, config.SIM_SWAP_API_URL, config.DEVICE_SWAP_API_URL];
  if (config.GATEWAYS_FILE) {
    const legacy = (['TENURE_API_URL', 'NUMBER_RECYCLING_API_URL', 'SIM_SWAP_API_URL', 'DEVICE_SWAP_API_URL', 'OPERATOR_TOKEN_URL'] as const).filter((key) => config[key]);
    if (legacy.length > 0) problems.push(`GATEWAYS_FILE replaces ${legacy.join(', ')}: set one or the other, not both`);
  } else if (remote.some(Boolean)) {
    for (const key of ['OPERATOR_TOKEN_URL', 'OPERATOR_CLIENT_ID', 'OPERATOR_CLIENT_SECRET'] as const) {
      if (!config[key]) problems.push(`${key} is required when an operator API URL is set (OAuth2 client credentials)`);
    }
  }
  if (problems.length > 0) throw new ConfigInvalidError(`Invalid configuration:\n  ${problems.join('\n  ')}`);
  const environment = Object.fromEntries(Object.entries(raw).filter(([, value]) => typeof value === 'string')) as Record<string, string>;
  ENVIRONMENTS.set(config, environment);
  return config;
}

/**
 * OTEL_EXPORTER_OTLP_HEADERS as headers (OpenTelemetry's format: `k1=v1,k2=v2`, values
 * URL-encoded); undefined when it does not read that way.
 */
export function parseOtlpHeaders(text: string): Record<string, string> | undefined {
  const headers: Record<string, string> = {};
  for (const item of text.split(',')) {
    if (item.trim() === '') continue;
    const at = item.indexOf('=');
    const key = item.slice(0, at).trim();
    if (at < 1 || !/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(key)) return undefined;
    try {
      headers[key.toLowerCase()] = decodeURIComponent(item.slice(at + 1).trim());
    } catch {
      return undefined;
    }
  }
  return headers;
}
