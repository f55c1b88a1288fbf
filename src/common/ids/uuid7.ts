import { randomInt } from 'node:crypto';
import { v7 } from 'uuid';

/** The millisecond of the last id made for a given time, and its sequence (see uuidv7). */
let last = { msecs: -1, seq: 0 };

/**
 * UUIDv7 (RFC 9562): 48-bit Unix milliseconds, then a sequence and random bits, made by the
 * `uuid` package. Time-ordered ids let the decision list page by `id` alone (newest first)
 * across instances without a sequence.
 *
 * Without `msecs`, uuid's own monotonic v7 (its clock). With `msecs` (a decision's createdAt,
 * from the injected clock, so that firstUuidv7At can filter by time on the primary key), uuid
 * takes the sequence it is given: ids made for the same millisecond in this process get
 * consecutive sequences, so they sort in the order they were made, as uuid's own ids do. The
 * first of a millisecond starts at a random 31-bit value (its other 31 bits stay free, far
 * more than one millisecond can use).
 */
export function uuidv7(msecs?: number): string {
  if (msecs === undefined) return v7();
  last = msecs === last.msecs ? { msecs, seq: last.seq + 1 } : { msecs, seq: randomInt(2 ** 31) };
  return v7({ msecs, seq: last.seq });
}

export const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * The smallest UUIDv7 of the millisecond `time` (version 7, variant 10, random bits zero).
 * Decision ids are UUIDv7 made from their createdAt, so `id >= firstUuidv7At(t)` says
 * "made at or after t" in terms of the primary key and its composite indexes (there is no
 * index on createdAt). Times outside the 48-bit range are clamped.
 */
export function firstUuidv7At(time: Date): string {
  const ms = Math.min(Math.max(Math.floor(time.getTime()), 0), 2 ** 48 - 1);
  const hex = ms.toString(16).padStart(12, '0');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-7000-8000-000000000000`;
}
