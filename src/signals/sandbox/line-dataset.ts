import { readFileSync } from 'node:fs';
import { maskPhoneNumber, PHONE_NUMBER_PATTERN } from '../../common/phone/phone-number';
import { isCalendarDate, toCalendarDate } from '../../common/time/clock';
import { CONTRACT_TYPES, ContractType } from '../tenure/tenure.signal';

/**
 * A point in time as the dataset writes it: absolute, or relative to "now" (`-10d`, `-36h`)
 * so a demo dataset stays true over time. Relative points are resolved at each query, not at
 * load, so a service that runs for weeks still answers as the file says.
 */
export type TimePoint = { kind: 'absolute'; at: Date } | { kind: 'relative'; offsetMs: number };

export interface SandboxLine {
  phoneNumber: string;
  subscriberSince: TimePoint;
  contractType?: ContractType;
  latestSimChange?: TimePoint;
  latestDeviceChange?: TimePoint;
  faults?: SandboxFaults;
  /** The subscriber's answer to a 3-legged consent request (CIBA, JWT-Bearer); granted when absent. */
  consent?: SandboxConsent;
}

/**
 * What the subscriber does when a gateway asks for consent: approves (`granted`), refuses
 * (`denied`), has opted out of these APIs altogether (`opted_out`, refused before any user step),
 * or approves `pendingSeconds` after the request (a CIBA client must keep polling meanwhile).
 */
export type SandboxConsent = 'granted' | 'denied' | 'opted_out' | { pendingSeconds: number };

/** Longest consent delay a line may have: beyond any CIBA request's lifetime. */
export const CONSENT_MAX_PENDING_S = 3600;

/**
 * The operations a fault can target: each is its API's scope. A fault names an operation
 * (`sim-swap:check`) or a whole API (`sim-swap`).
 */
export const SANDBOX_OPERATIONS = [
  'kyc-tenure:check-tenure',
  'number-recycling:check',
  'sim-swap:check',
  'sim-swap:retrieve-date',
  'device-swap:check',
  'device-swap:retrieve-date',
] as const;
export type SandboxOperationId = (typeof SANDBOX_OPERATIONS)[number];
export const FAULT_TARGETS: readonly string[] = [
  ...new Set(SANDBOX_OPERATIONS.flatMap((operation) => [operation.split(':')[0], operation])),
];

/**
 * The error statuses a fault can answer, each with the codes CAMARA_common.yaml gives it; the
 * first is the default. Only statuses a client of these four APIs can meet from a gateway.
 */
export const FAULT_ERROR_CODES: Readonly<Record<number, readonly string[]>> = {
  400: ['INVALID_ARGUMENT', 'OUT_OF_RANGE'],
  401: ['UNAUTHENTICATED'],
  403: ['PERMISSION_DENIED', 'INVALID_TOKEN_CONTEXT'],
  404: ['IDENTIFIER_NOT_FOUND', 'NOT_FOUND'],
  422: ['SERVICE_NOT_APPLICABLE', 'MISSING_IDENTIFIER', 'UNNECESSARY_IDENTIFIER', 'UNSUPPORTED_IDENTIFIER'],
  429: ['TOO_MANY_REQUESTS', 'QUOTA_EXCEEDED'],
  500: ['INTERNAL'],
  502: ['BAD_GATEWAY'],
  503: ['UNAVAILABLE'],
  504: ['TIMEOUT'],
};

/** Longest latency a fault may add: enough to outlast any sane client timeout. */
export const FAULT_MAX_LATENCY_MS = 60_000;

/**
 * Misbehaviour on purpose, for a line (its dataset entry's `faults`) or for every line (the
 * standalone server's SANDBOX_FAULT_* variables). Faults are an HTTP matter: only the standalone
 * sandbox server (`npm run sandbox`) applies them. The in-process sandbox providers ignore them
 * and always answer from the line's data.
 */
export interface SandboxFaults {
  /** Milliseconds to wait before answering (or before the error or the drop below). */
  latencyMs?: number;
  /** Answer this error status instead of the line's data... */
  status?: number;
  /** ...with this CAMARA code (default: the status's first code in FAULT_ERROR_CODES). */
  code?: string;
  /** Retry-After header in seconds; only with status 429 or 503. */
  retryAfterS?: number;
  /** Destroy the connection without answering. */
  drop?: boolean;
  /** Share of requests that suffer the fault, 0..1 (default 1: all of them). */
  rate?: number;
  /** APIs (`sim-swap`) or operations (`sim-swap:check`) that suffer it (default: all). */
  apis?: string[];
}

const FAULT_FIELDS = ['latencyMs', 'status', 'code', 'retryAfterS', 'drop', 'rate', 'apis'] as const;

const isIntegerIn = (value: unknown, min: number, max: number): value is number =>
  typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max;

/**
 * Validates a fault description and lists every problem, each naming its field through `name`
 * (`faults.status` in a dataset, `SANDBOX_FAULT_STATUS` in the environment).
 */
export function validateFaults(
  raw: unknown,
  name: (field: (typeof FAULT_FIELDS)[number]) => string,
): { faults: SandboxFaults; problems: string[] } {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    return { faults: {}, problems: ['faults must be an object'] };
  }
  const faults = raw as SandboxFaults;
  const problems: string[] = [];
  const unknown = Object.keys(raw).filter((key) => !(FAULT_FIELDS as readonly string[]).includes(key));
  if (unknown.length > 0) problems.push(`unknown field(s) in faults: ${unknown.join(', ')}`);
  const { latencyMs, status, code, retryAfterS, drop, rate, apis } = faults;
  if (latencyMs !== undefined && !isIntegerIn(latencyMs, 0, FAULT_MAX_LATENCY_MS)) {
    problems.push(`${name('latencyMs')} must be an integer from 0 to ${FAULT_MAX_LATENCY_MS} (milliseconds)`);
  }
  const codes = typeof status === 'number' ? FAULT_ERROR_CODES[status] : undefined;
  if (status !== undefined && !codes) {
    problems.push(`${name('status')} must be one of ${Object.keys(FAULT_ERROR_CODES).join(', ')}`);
  }
  if (code !== undefined && codes && !codes.includes(code)) {
    problems.push(`${name('code')} must be one of ${codes.join(', ')} for status ${status}`);
  }
  if (code !== undefined && status === undefined) problems.push(`${name('code')} needs ${name('status')}`);
  if (retryAfterS !== undefined && !isIntegerIn(retryAfterS, 0, 86_400)) {
    problems.push(`${name('retryAfterS')} must be an integer from 0 to 86400 (seconds)`);
  }
  if (retryAfterS !== undefined && status !== 429 && status !== 503) {
    problems.push(`${name('retryAfterS')} needs ${name('status')} 429 or 503`);
  }
  if (drop !== undefined && typeof drop !== 'boolean') problems.push(`${name('drop')} must be true or false`);
  if (drop === true && status !== undefined) {
    problems.push(`${name('drop')} and ${name('status')} exclude each other: a dropped connection has no status`);
  }
  if (rate !== undefined && !(typeof rate === 'number' && rate >= 0 && rate <= 1)) {
    problems.push(`${name('rate')} must be a number from 0 to 1`);
  }
  const badApis = Array.isArray(apis) ? apis.filter((api) => typeof api !== 'string' || !FAULT_TARGETS.includes(api)) : [];
  if (apis !== undefined && (!Array.isArray(apis) || apis.length === 0 || badApis.length > 0)) {
    problems.push(`${name('apis')} must list one or more of ${FAULT_TARGETS.join(', ')}`);
  }
  const hasEffect = (latencyMs ?? 0) > 0 || status !== undefined || drop === true;
  if (!hasEffect && (rate !== undefined || apis !== undefined)) {
    problems.push(`${name('rate')} and ${name('apis')} need a fault to apply: ${name('latencyMs')}, ${name('status')} or ${name('drop')}`);
  }
  return { faults, problems };
}

export class LineDatasetError extends Error {}

const RELATIVE = /^-(\d{1,6})(d|h)$/;
const DATE_TIME = /^(\d{4}-\d{2}-\d{2})T([01]\d|2[0-3]):[0-5]\d(:[0-5]\d(\.\d+)?)?(Z|[+-]([01]\d|2[0-3]):[0-5]\d)$/;

/** RFC 3339 date-time with a real date: Date.parse would roll 2026-02-30 over to March. */
function isDateTime(value: string): boolean {
  const match = DATE_TIME.exec(value);
  return match !== null && isCalendarDate(match[1]) && !Number.isNaN(Date.parse(value));
}
const KNOWN_FIELDS = new Set(['phoneNumber', 'subscriberSince', 'contractType', 'latestSimChange', 'latestDeviceChange', 'faults', 'consent']);

export function resolveTimePoint(point: TimePoint, now: Date): Date {
  return point.kind === 'absolute' ? point.at : new Date(now.getTime() + point.offsetMs);
}

/** Calendar date (UTC) of a time point. */
export function resolveCalendarDate(point: TimePoint, now: Date): string {
  return toCalendarDate(resolveTimePoint(point, now));
}

function parseTimePoint(value: unknown, field: string, dateOnly: boolean): TimePoint {
  if (typeof value !== 'string') throw new LineDatasetError(`${field} must be a string`);
  const relative = RELATIVE.exec(value);
  if (relative) {
    const unitMs = relative[2] === 'd' ? 86_400_000 : 3_600_000;
    return { kind: 'relative', offsetMs: -Number(relative[1]) * unitMs };
  }
  if (isCalendarDate(value)) return { kind: 'absolute', at: new Date(`${value}T00:00:00Z`) };
  if (!dateOnly && isDateTime(value)) {
    return { kind: 'absolute', at: new Date(value) };
  }
  const expected = dateOnly ? 'a date YYYY-MM-DD' : 'a date YYYY-MM-DD or an RFC 3339 date-time';
  throw new LineDatasetError(`${field} must be ${expected}, or relative to now like "-10d" or "-36h" (got "${value}")`);
}

function parseConsent(value: unknown): SandboxConsent {
  if (value === 'granted' || value === 'denied' || value === 'opted_out') return value;
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    const { pendingSeconds, ...rest } = value as Record<string, unknown>;
    const extra = Object.keys(rest);
    if (extra.length > 0) throw new LineDatasetError(`unknown field(s) in consent: ${extra.join(', ')}`);
    if (typeof pendingSeconds === 'number' && Number.isFinite(pendingSeconds) && pendingSeconds >= 0 && pendingSeconds <= CONSENT_MAX_PENDING_S) {
      return { pendingSeconds };
    }
  }
  throw new LineDatasetError(
    `consent must be "granted", "denied", "opted_out" or { "pendingSeconds": N } with N from 0 to ${CONSENT_MAX_PENDING_S}`,
  );
}

function parseLine(raw: unknown, now: Date): SandboxLine {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new LineDatasetError('an entry must be an object');
  }
  const entry = raw as Record<string, unknown>;
  const unknown = Object.keys(entry).filter((key) => !KNOWN_FIELDS.has(key));
  if (unknown.length > 0) throw new LineDatasetError(`unknown field(s): ${unknown.join(', ')}`);
  const { phoneNumber, contractType } = entry;
  if (typeof phoneNumber !== 'string' || !PHONE_NUMBER_PATTERN.test(phoneNumber)) {
    throw new LineDatasetError('phoneNumber must be E.164: + then 5 to 15 digits, no leading 0');
  }
  if (entry.subscriberSince === undefined) throw new LineDatasetError('subscriberSince is required');
  if (contractType !== undefined && !CONTRACT_TYPES.includes(contractType as ContractType)) {
    throw new LineDatasetError(`contractType must be one of ${CONTRACT_TYPES.join(', ')}`);
  }
  const line: SandboxLine = {
    phoneNumber,
    subscriberSince: parseTimePoint(entry.subscriberSince, 'subscriberSince', true),
    contractType: contractType as ContractType | undefined,
  };
  if (entry.latestSimChange !== undefined) {
    line.latestSimChange = parseTimePoint(entry.latestSimChange, 'latestSimChange', false);
  }
  if (entry.latestDeviceChange !== undefined) {
    line.latestDeviceChange = parseTimePoint(entry.latestDeviceChange, 'latestDeviceChange', false);
  }
  if (entry.faults !== undefined) {
    const { faults, problems } = validateFaults(entry.faults, (field) => `faults.${field}`);
    if (problems.length > 0) throw new LineDatasetError(problems.join('; '));
    line.faults = { ...faults };
  }
  if (entry.consent !== undefined) line.consent = parseConsent(entry.consent);
  for (const field of ['subscriberSince', 'latestSimChange', 'latestDeviceChange'] as const) {
    const point = line[field];
    if (point && resolveTimePoint(point, now).getTime() > now.getTime()) {
      throw new LineDatasetError(`${field} is in the future`);
    }
  }
  return line;
}

/** Validates a parsed dataset; every bad entry is reported with its index, number and reason. */
export function parseLineDataset(json: unknown, source: string, now: Date): Map<string, SandboxLine> {
  const lines = (json as { lines?: unknown })?.lines;
  if (!Array.isArray(lines)) throw new LineDatasetError(`${source}: expected an object { "lines": [ ... ] }`);
  const byNumber = new Map<string, SandboxLine>();
  const problems: string[] = [];
  lines.forEach((raw, index) => {
    // The entry is named by index and masked number: start-up errors end up in logs too.
    const phone = (raw as { phoneNumber?: unknown })?.phoneNumber;
    const label = `lines[${index}]${typeof phone === 'string' ? ` (${maskPhoneNumber(phone)})` : ''}`;
    try {
      const line = parseLine(raw, now);
      if (byNumber.has(line.phoneNumber)) throw new LineDatasetError('duplicate phoneNumber');
      byNumber.set(line.phoneNumber, line);
    } catch (error) {
      if (!(error instanceof LineDatasetError)) throw error;
      problems.push(`${label}: ${error.message}`);
    }
  });
  if (problems.length > 0) {
    throw new LineDatasetError(`${source}: invalid sandbox line dataset:\n  ${problems.join('\n  ')}`);
  }
  return byNumber;
}

export function loadLineDataset(file: string, now: Date): Map<string, SandboxLine> {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new LineDatasetError(`${file}: cannot read the sandbox line dataset: ${(error as Error).message}`);
  }
  return parseLineDataset(json, file, now);
}
