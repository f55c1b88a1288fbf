import { PHONE_NUMBER_PATTERN } from '../common/phone/phone-number';
import { isCalendarDate } from '../common/time/clock';

/**
 * A request body schema as the CAMARA specs write them, reduced to the kinds of field these four
 * APIs use. Ranges the specs answer with 400 OUT_OF_RANGE (maxAge 1..2400, dates not in the
 * future) are not schema errors here: the sandbox operator judges them.
 */
export interface BodySchema {
  fields: Record<string, FieldRule>;
  required: readonly string[];
  /** The spec's "request body strictness" clause: unknown properties are 400 INVALID_ARGUMENT. */
  strict: boolean;
}

export type FieldRule =
  | { kind: 'phoneNumber' }
  /** `type: string, format: date` with the spec's length bounds. */
  | { kind: 'date'; minLength?: number; maxLength?: number }
  /** `type: integer, format: int32`; its range is the operator's OUT_OF_RANGE. */
  | { kind: 'int32' };

/** PhoneNumber: `pattern: ^\+[1-9][0-9]{4,14}$` (v0.3rc1 adds maxLength 16, which the pattern implies). */
const PHONE_NUMBER_RULE: FieldRule = { kind: 'phoneNumber' };
export const phoneNumberField = { phoneNumber: PHONE_NUMBER_RULE };

const INT32_MIN = -2_147_483_648;
const INT32_MAX = 2_147_483_647;

export type BodyCheck = { ok: true; body: Record<string, unknown> } | { ok: false; message: string };

/** Checks a parsed JSON body against a schema; the message names the field at fault. */
export function checkBody(schema: BodySchema, body: unknown): BodyCheck {
  if (body === undefined || body === null || typeof body !== 'object' || Array.isArray(body)) {
    return { ok: false, message: 'The request body is required and must be a JSON object.' };
  }
  const record = body as Record<string, unknown>;
  if (schema.strict) {
    const unknown = Object.keys(record).filter((key) => !(key in schema.fields));
    if (unknown.length > 0) {
      return { ok: false, message: `Unknown property ${unknown.map((key) => `"${key}"`).join(', ')}: this API version accepts only ${Object.keys(schema.fields).join(', ')}.` };
    }
  }
  const missing = schema.required.filter((field) => record[field] === undefined);
  if (missing.length > 0) return { ok: false, message: `Missing mandatory property: ${missing.join(', ')}.` };
  for (const [field, rule] of Object.entries(schema.fields)) {
    const value = record[field];
    if (value === undefined) continue;
    const problem = checkField(field, rule, value);
    if (problem) return { ok: false, message: problem };
  }
  return { ok: true, body: record };
}

function checkField(field: string, rule: FieldRule, value: unknown): string | undefined {
  switch (rule.kind) {
    case 'phoneNumber':
      return typeof value === 'string' && PHONE_NUMBER_PATTERN.test(value)
        ? undefined
        : `${field} must be a string in E.164 format, matching ^\\+[1-9][0-9]{4,14}$.`;
    case 'date': {
      const valid =
        typeof value === 'string' &&
        value.length >= (rule.minLength ?? 0) &&
        value.length <= (rule.maxLength ?? Number.POSITIVE_INFINITY) &&
        isCalendarDate(value);
      return valid ? undefined : `${field} must be a calendar date in RFC 3339 full-date format YYYY-MM-DD.`;
    }
    case 'int32':
      return typeof value === 'number' && Number.isInteger(value) && value >= INT32_MIN && value <= INT32_MAX
        ? undefined
        : `${field} must be an integer.`;
  }
}
