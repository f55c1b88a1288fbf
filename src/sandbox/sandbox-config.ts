import { join } from 'node:path';
import { plainToInstance, Transform } from 'class-transformer';
import { IsIn, IsInt, IsNotEmpty, IsOptional, IsString, Max, Min, validateSync } from 'class-validator';
import { LogLevelName, LogLevelSetting } from '../common/logging/log-level';
import { PACKAGE_ROOT } from '../config/package-root';
import { SandboxFaults, validateFaults } from '../signals/sandbox/line-dataset';
import { needsClientKeys, PROFILE_NAMES, ProfileName, PROFILES } from './profiles';

const toInt = ({ value }: { value: unknown }) => (value === undefined || value === '' ? undefined : Number(value));

/**
 * The standalone sandbox operator's settings, from environment variables, validated at start-up:
 * a wrong value stops it with a message that names the variable.
 */
export class SandboxConfig {
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(65535)
  SANDBOX_OPERATOR_PORT = 9090;

  /** Loopback by default: the client secret has a published default. */
  @IsString()
  @IsNotEmpty()
  SANDBOX_OPERATOR_HOST = '127.0.0.1';

  @IsString()
  @IsNotEmpty()
  SANDBOX_LINES_FILE = join(PACKAGE_ROOT, 'src', 'signals', 'sandbox', 'demo-lines.json');

  @IsString()
  @IsNotEmpty()
  SANDBOX_CLIENT_ID = 'linetrust-sandbox';

  @IsString()
  @IsNotEmpty()
  SANDBOX_CLIENT_SECRET = 'linetrust-sandbox-secret';

  /** Access token lifetime in seconds. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(86_400)
  SANDBOX_TOKEN_TTL_S = 3600;

  /** As the service's: pino's level names (Nest's log and verbose still read). */
  @LogLevelSetting()
  LOG_LEVEL: LogLevelName = 'info';

  /** Which provider's gateway to play (src/sandbox/profiles.ts). */
  @IsIn(PROFILE_NAMES, { message: `SANDBOX_PROFILE must be one of ${PROFILE_NAMES.join(', ')}` })
  SANDBOX_PROFILE: ProfileName = 'camara';

  /** Several gateways at once, `name@port,...`; replaces SANDBOX_PROFILE and SANDBOX_OPERATOR_PORT. */
  @IsOptional()
  @IsString()
  SANDBOX_PROFILES: string | undefined = undefined;

  /** CIBA `interval` in seconds; 0 lets tests poll without waiting. Default: the profile's (2). */
  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(60)
  SANDBOX_CIBA_INTERVAL_S: number | undefined = undefined;

  /** CIBA `expires_in` of an authentication request, in seconds. Default: the profile's (120). */
  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(3600)
  SANDBOX_CIBA_EXPIRES_S: number | undefined = undefined;

  /** PEM file of SPKI public keys, or a JWKS file: the keys client JWTs are verified with. */
  @IsOptional()
  @IsString()
  SANDBOX_CLIENT_PUBLIC_KEYS: string | undefined = undefined;

  /** The RapidAPI key of API-key mode (nokia). */
  @IsOptional()
  @IsString()
  SANDBOX_API_KEY: string | undefined = undefined;

  @IsString()
  @IsNotEmpty()
  SANDBOX_API_HOST = 'network-as-code.nokia.rapidapi.com';

  /** Faults for every line, from the SANDBOX_FAULT_* variables; absent when none is set. */
  faults?: SandboxFaults;

  /** The gateways to serve: SANDBOX_PROFILES, or SANDBOX_PROFILE on SANDBOX_OPERATOR_PORT. */
  gateways: SandboxGateway[] = [];
}

export interface SandboxGateway {
  profile: ProfileName;
  port: number;
}

/** Each fault field and the variable that sets it. */
const FAULT_VARIABLES = {
  latencyMs: 'SANDBOX_FAULT_LATENCY_MS',
  status: 'SANDBOX_FAULT_STATUS',
  code: 'SANDBOX_FAULT_CODE',
  retryAfterS: 'SANDBOX_FAULT_RETRY_AFTER_S',
  drop: 'SANDBOX_FAULT_DROP',
  rate: 'SANDBOX_FAULT_RATE',
  apis: 'SANDBOX_FAULT_APIS',
} as const;

const SCALAR_KEYS = Object.keys(new SandboxConfig()).filter((key) => key !== 'faults' && key !== 'gateways');

const BOOLEANS: Record<string, boolean> = { true: true, '1': true, false: false, '0': false };

export class SandboxConfigInvalidError extends Error {}

/** Validates raw variables (process.env) into a SandboxConfig; throws naming every wrong variable. */
export function loadSandboxConfig(env: Record<string, string | undefined>): SandboxConfig {
  const given = (key: string) => (env[key] === undefined || env[key] === '' ? undefined : env[key]);
  const known = Object.fromEntries(SCALAR_KEYS.filter((key) => given(key) !== undefined).map((key) => [key, env[key]]));
  const config = plainToInstance(SandboxConfig, known);
  const problems = validateSync(config).flatMap((error) =>
    Object.values(error.constraints ?? {}).map((message) =>
      message.startsWith(error.property) ? message : `${error.property}: ${message}`,
    ),
  );
  const raw = rawFaults(given);
  if (raw) {
    const { faults, problems: faultProblems } = validateFaults(raw, (field) => FAULT_VARIABLES[field]);
    problems.push(...faultProblems);
    config.faults = faults;
  }
  config.gateways = readGateways(config, problems);
  problems.push(...profileNeeds(config));
  if (problems.length > 0) {
    throw new SandboxConfigInvalidError(`Invalid sandbox operator configuration:\n  ${problems.join('\n  ')}`);
  }
  return config;
}

/** `telefonica@9091,vonage@9092` as gateways, or the single SANDBOX_PROFILE one. */
function readGateways(config: SandboxConfig, problems: string[]): SandboxGateway[] {
  if (config.SANDBOX_PROFILES === undefined) {
    // An unknown SANDBOX_PROFILE is already reported by its validator.
    const known = (PROFILE_NAMES as readonly string[]).includes(config.SANDBOX_PROFILE);
    return known ? [{ profile: config.SANDBOX_PROFILE, port: config.SANDBOX_OPERATOR_PORT }] : [];
  }
  const gateways: SandboxGateway[] = [];
  for (const item of config.SANDBOX_PROFILES.split(',').map((part) => part.trim())) {
    const match = /^([a-z]+)@(\d{1,5})$/.exec(item);
    const port = Number(match?.[2]);
    if (!match || !(PROFILE_NAMES as readonly string[]).includes(match[1]) || port < 1 || port > 65535) {
      problems.push(`SANDBOX_PROFILES: "${item}" must be name@port, name one of ${PROFILE_NAMES.join(', ')}, port 1..65535`);
    } else if (gateways.some((gateway) => gateway.port === port)) {
      problems.push(`SANDBOX_PROFILES: port ${port} is given twice`);
    } else {
      gateways.push({ profile: match[1] as ProfileName, port });
    }
  }
  return gateways;
}

/** What the chosen profiles need that has no default: client public keys, an API key. */
function profileNeeds(config: SandboxConfig): string[] {
  const profiles = [...new Set(config.gateways.map((gateway) => gateway.profile))];
  const problems: string[] = [];
  const keyed = profiles.filter((name) => needsClientKeys(PROFILES[name]));
  if (keyed.length > 0 && config.SANDBOX_CLIENT_PUBLIC_KEYS === undefined) {
    problems.push(`SANDBOX_CLIENT_PUBLIC_KEYS is required by the ${keyed.join(', ')} profile: a PEM or JWKS file of the clients' public keys`);
  }
  const apiKeyed = profiles.filter((name) => PROFILES[name].access.kind === 'api-key');
  if (apiKeyed.length > 0 && config.SANDBOX_API_KEY === undefined) {
    problems.push(`SANDBOX_API_KEY is required by the ${apiKeyed.join(', ')} profile: the X-RapidAPI-Key clients must send`);
  }
  return problems;
}

/** The SANDBOX_FAULT_* variables as a fault description, converted but not yet validated. */
function rawFaults(given: (key: string) => string | undefined): Record<string, unknown> | undefined {
  const raw: Record<string, unknown> = {};
  for (const [field, variable] of Object.entries(FAULT_VARIABLES)) {
    const value = given(variable);
    if (value === undefined) continue;
    raw[field] = convertFault(field as keyof typeof FAULT_VARIABLES, value.trim());
  }
  return Object.keys(raw).length > 0 ? raw : undefined;
}

function convertFault(field: keyof typeof FAULT_VARIABLES, value: string): unknown {
  switch (field) {
    case 'code':
      return value;
    case 'drop':
      return BOOLEANS[value.toLowerCase()] ?? value;
    case 'apis':
      return value.split(',').map((api) => api.trim()).filter((api) => api !== '');
    case 'latencyMs':
    case 'status':
    case 'retryAfterS':
    case 'rate':
      return value === '' ? Number.NaN : Number(value);
  }
}
