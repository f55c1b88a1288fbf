import { Clock, toCalendarDate } from '../../common/time/clock';
import { CamaraResult, camaraError } from '../camara-result';
import { NumberRecyclingAnswer, NumberRecyclingQuery } from '../number-recycling/number-recycling.signal';
import { DeviceSwapDateAnswer } from '../device-swap/device-swap.signal';
import {
  MAX_AGE_MAX_HOURS,
  MAX_AGE_MIN_HOURS,
  SimSwapDateAnswer,
  SwapCheckAnswer,
  SwapCheckQuery,
  SwapDateQuery,
} from '../sim-swap/sim-swap.signal';
import { TenureAnswer, TenureQuery } from '../tenure/tenure.signal';
import { resolveCalendarDate, resolveTimePoint, SandboxLine } from './line-dataset';

const HOUR_MS = 3_600_000;

/**
 * A pretend operator that answers the four CAMARA APIs from a line dataset, with the specs'
 * semantics. It is the single source of sandbox truth: the in-process sandbox providers call it
 * directly, and the standalone sandbox server wraps it in HTTP.
 */
export class SandboxOperator {
  constructor(
    private readonly lines: ReadonlyMap<string, SandboxLine>,
    private readonly clock: Clock,
  ) {}

  /** KYC Tenure: true when the current holder's subscription started on or before tenureDate. */
  checkTenure(query: TenureQuery): CamaraResult<TenureAnswer> {
    const found = this.holderSince(query.phoneNumber, query.tenureDate, 'tenureDate');
    if (!found.ok) return found;
    const body: TenureAnswer = { tenureDateCheck: found.body.since <= query.tenureDate };
    if (found.body.line.contractType) body.contractType = found.body.line.contractType;
    return { ok: true, body };
  }

  /**
   * Number Recycling: true when the current holder's subscription started after specifiedDate.
   * A subscription that started on specifiedDate itself is not a change (spec, scenario 1 note).
   */
  checkNumberRecycling(query: NumberRecyclingQuery): CamaraResult<NumberRecyclingAnswer> {
    const found = this.holderSince(query.phoneNumber, query.specifiedDate, 'specifiedDate');
    if (!found.ok) return found;
    return { ok: true, body: { phoneNumberRecycled: found.body.since > query.specifiedDate } };
  }

  /** The line and its holder's start date, for a question about `date` (not in the future). */
  private holderSince(phoneNumber: string, date: string, field: string): CamaraResult<{ line: SandboxLine; since: string }> {
    const now = this.clock.now();
    if (date > toCalendarDate(now)) return camaraError(400, 'OUT_OF_RANGE', `${field} must not be in the future`);
    const line = this.lines.get(phoneNumber);
    if (!line) return notFound();
    return { ok: true, body: { line, since: resolveCalendarDate(line.subscriberSince, now) } };
  }

  /** SIM Swap check: a change within the last maxAge hours (inclusive). No SIM data: false. */
  checkSimSwap(query: SwapCheckQuery): CamaraResult<SwapCheckAnswer> {
    const rangeError = checkMaxAge<SwapCheckAnswer>(query.maxAge);
    if (rangeError) return rangeError;
    const line = this.lines.get(query.phoneNumber);
    if (!line) return notFound();
    return { ok: true, body: { swapped: this.changedWithin(line.latestSimChange, query.maxAge) } };
  }

  /** SIM Swap retrieve-date: a line never paired with a SIM answers latestSimChange null. */
  retrieveSimSwapDate(query: SwapDateQuery): CamaraResult<SimSwapDateAnswer> {
    const line = this.lines.get(query.phoneNumber);
    if (!line) return notFound();
    const change = line.latestSimChange;
    return { ok: true, body: { latestSimChange: change ? this.isoAt(change) : null } };
  }

  /** Device Swap check: a line with no device data is 422 SERVICE_NOT_APPLICABLE (spec). */
  checkDeviceSwap(query: SwapCheckQuery): CamaraResult<SwapCheckAnswer> {
    const rangeError = checkMaxAge<SwapCheckAnswer>(query.maxAge);
    if (rangeError) return rangeError;
    const line = this.lines.get(query.phoneNumber);
    if (!line) return notFound();
    if (!line.latestDeviceChange) return noDeviceData();
    return { ok: true, body: { swapped: this.changedWithin(line.latestDeviceChange, query.maxAge) } };
  }

  retrieveDeviceSwapDate(query: SwapDateQuery): CamaraResult<DeviceSwapDateAnswer> {
    const line = this.lines.get(query.phoneNumber);
    if (!line) return notFound();
    if (!line.latestDeviceChange) return noDeviceData();
    return { ok: true, body: { latestDeviceChange: this.isoAt(line.latestDeviceChange) } };
  }

  private changedWithin(change: SandboxLine['latestSimChange'], maxAgeHours: number): boolean {
    if (!change) return false;
    const now = this.clock.now();
    return now.getTime() - resolveTimePoint(change, now).getTime() <= maxAgeHours * HOUR_MS;
  }

  private isoAt(point: NonNullable<SandboxLine['latestSimChange']>): string {
    return resolveTimePoint(point, this.clock.now()).toISOString();
  }
}

function checkMaxAge<T>(maxAge: number): CamaraResult<T> | undefined {
  if (!Number.isInteger(maxAge) || maxAge < MAX_AGE_MIN_HOURS || maxAge > MAX_AGE_MAX_HOURS) {
    return camaraError(400, 'OUT_OF_RANGE', `maxAge must be an integer from ${MAX_AGE_MIN_HOURS} to ${MAX_AGE_MAX_HOURS} hours`);
  }
  return undefined;
}

function notFound<T>(): CamaraResult<T> {
  return camaraError(404, 'IDENTIFIER_NOT_FOUND', 'Phone number not found.');
}

function noDeviceData<T>(): CamaraResult<T> {
  return camaraError(422, 'SERVICE_NOT_APPLICABLE', 'The service is not available for the provided phone number');
}
