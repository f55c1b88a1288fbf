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
}

export class LineDatasetError extends Error {}

const RELATIVE = /^-(\d{1,6})(d|h)$/;
const DATE_TIME = /^(\d{4}-\d{2}-\d{2})T([01]\d|2[0-3]):[0-5]\d(:[0-5]\d(\.\d+)?)?(Z|[+-]([01]\d|2[0-3]):[0-5]\d)$/;

/** RFC 3339 date-time with a real date: Date.parse would roll 2026-02-30 over to March. */
function isDateTime(value: string): boolean {
  const match = DATE_TIME.exec(value);
  return match !== null && isCalendarDate(match[1]) && !Number.isNaN(Date.parse(value));
}
const KNOWN_FIELDS = new Set(['phoneNumber', 'subscriberSince', 'contractType', 'latestSimChange', 'latestDeviceChange']);

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
