import { join } from 'node:path';
import { plainToInstance, Transform } from 'class-transformer';
import { IsIn, IsInt, IsNotEmpty, IsString, Max, Min, validateSync } from 'class-validator';
import { PACKAGE_ROOT } from '../config/package-root';
import { SandboxFaults, validateFaults } from '../signals/sandbox/line-dataset';

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

  @IsIn(['error', 'warn', 'log', 'debug', 'verbose'])
  LOG_LEVEL: 'error' | 'warn' | 'log' | 'debug' | 'verbose' = 'log';

  /** Faults for every line, from the SANDBOX_FAULT_* variables; absent when none is set. */
  faults?: SandboxFaults;
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

const SCALAR_KEYS = Object.keys(new SandboxConfig()).filter((key) => key !== 'faults');

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
  if (problems.length > 0) {
    throw new SandboxConfigInvalidError(`Invalid sandbox operator configuration:\n  ${problems.join('\n  ')}`);
  }
  return config;
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
