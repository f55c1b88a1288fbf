import { applyDecorators } from '@nestjs/common';
import { isISO8601, IsNotEmpty, IsString, Matches, MaxLength, registerDecorator, ValidateIf, ValidationArguments, ValidationOptions } from 'class-validator';
import { PHONE_NUMBER_PATTERN } from '../phone/phone-number';
import { isCalendarDate } from '../time/clock';

/** A real calendar date written `YYYY-MM-DD` (CAMARA's date format). */
export function IsCalendarDate(options?: ValidationOptions): PropertyDecorator {
  return (target, propertyName) =>
    registerDecorator({
      name: 'isCalendarDate',
      target: target.constructor,
      propertyName: propertyName as string,
      options: { message: `${String(propertyName)} must be a date YYYY-MM-DD`, ...options },
      validator: { validate: (value: unknown) => typeof value === 'string' && isCalendarDate(value) },
    });
}

/**
 * A plain JSON object of bounded size and depth: `context` is stored with every decision, so
 * it must not become a way to store megabytes or to exhaust the parser.
 */
export function IsBoundedObject(maxBytes: number, maxDepth: number, options?: ValidationOptions): PropertyDecorator {
  return (target, propertyName) =>
    registerDecorator({
      name: 'isBoundedObject',
      target: target.constructor,
      propertyName: propertyName as string,
      options: {
        message: `${String(propertyName)} must be a JSON object of at most ${maxBytes} bytes and ${maxDepth} levels`,
        ...options,
      },
      validator: { validate: (value: unknown) => isBoundedObject(value, maxBytes, maxDepth) },
    });
}

export function isBoundedObject(value: unknown, maxBytes: number, maxDepth: number): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value) && Buffer.byteLength(JSON.stringify(value)) <= maxBytes && depth(value) <= maxDepth;
}

function depth(value: unknown): number {
  return value !== null && typeof value === 'object' ? 1 + Math.max(0, ...Object.values(value as Record<string, unknown>).map(depth)) : 0;
}

/** E.164 as the API accepts it (`^\+[1-9][0-9]{4,14}$`). */
export function IsPhoneNumber(): PropertyDecorator {
  return applyDecorators(
    IsString(),
    Matches(PHONE_NUMBER_PATTERN, { message: 'phoneNumber must be E.164, matching ^\\+[1-9][0-9]{4,14}$' }),
  );
}

export const SUBJECT_ID_MAX_LENGTH = 128;

/** The caller's own account id: a non-empty string of at most 128 characters. */
export function IsSubjectId(): PropertyDecorator {
  return applyDecorators(IsString(), IsNotEmpty(), MaxLength(SUBJECT_ID_MAX_LENGTH));
}

/**
 * An optional field: absent is fine, but `null` is validated like any value (and refused by
 * the field's own rules). class-validator's IsOptional lets null through, and a stored null
 * would read back differently from the answer that was sent.
 */
export function Optional(): PropertyDecorator {
  return ValidateIf((_object: object, value: unknown) => value !== undefined);
}

/** `YYYY-MM-DD` (UTC midnight), or a date-time with seconds optional and a zone (Z or ±hh:mm). */
const INSTANT = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2}))?$/;

/**
 * The instants a query may name. Nothing is stored before 1970 (ids are UUIDv7, from Unix
 * time), and past 9000 there is nothing to find but room for harm: rounding a range out to
 * whole buckets, or adding a day to it, must not leave the years that Date and both databases
 * can hold (past 9999, Prisma throws and the caller got a 500).
 */
const EARLIEST_INSTANT = '1970-01-01T00:00:00Z';
const LATEST_INSTANT = '9000-01-01T00:00:00Z';
const EARLIEST_MS = Date.parse(EARLIEST_INSTANT);
const LATEST_MS = Date.parse(LATEST_INSTANT);

function isInstantText(value: unknown): value is string {
  return typeof value === 'string' && INSTANT.test(value) && isISO8601(value, { strict: true }) && !Number.isNaN(Date.parse(value));
}

/**
 * An instant written in ISO 8601 that means the same on every server: a date-time must carry
 * its zone (without one, it would be read in the server's local time), and forms that Date
 * cannot read (week dates such as 2026-W01) are refused rather than becoming an invalid date.
 * It must also fall in [1970-01-01, 9000-01-01), with a message of its own.
 */
export function IsInstant(): PropertyDecorator {
  return (target, propertyName) =>
    registerDecorator({
      name: 'isInstant',
      target: target.constructor,
      propertyName: propertyName as string,
      options: {
        message: ({ value }: ValidationArguments) =>
          isInstantText(value)
            ? `${String(propertyName)} must be on or after ${EARLIEST_INSTANT} and before ${LATEST_INSTANT}`
            : `${String(propertyName)} must be an ISO 8601 date or date-time with a zone, such as 2026-06-15T12:00:00Z`,
      },
      validator: {
        validate: (value: unknown) => isInstantText(value) && Date.parse(value) >= EARLIEST_MS && Date.parse(value) < LATEST_MS,
      },
    });
}
