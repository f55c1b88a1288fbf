/**
 * The one source of "now" for signal semantics and relative dates. Injected so tests can pin
 * time at a boundary (a line exactly 30 days old) instead of racing the wall clock.
 */
export abstract class Clock {
  abstract now(): Date;
}

export class SystemClock extends Clock {
  now(): Date {
    return new Date();
  }
}

export class FixedClock extends Clock {
  private current: Date;

  constructor(start: Date) {
    super();
    this.current = new Date(start.getTime());
  }

  now(): Date {
    return new Date(this.current.getTime());
  }

  set(date: Date): void {
    this.current = new Date(date.getTime());
  }
}

const DAY_MS = 86_400_000;

/** Calendar date (UTC) `YYYY-MM-DD`, the format CAMARA uses for tenureDate and specifiedDate. */
export function toCalendarDate(date: Date): string {
  return date.toISOString().slice(0, 10);
}

/** The calendar date `days` days before `now` (UTC). */
export function calendarDaysBefore(now: Date, days: number): string {
  return toCalendarDate(new Date(now.getTime() - days * DAY_MS));
}

const CALENDAR_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** True for a real calendar date written `YYYY-MM-DD` (rejects 2026-02-30). */
export function isCalendarDate(value: string): boolean {
  const match = CALENDAR_DATE.exec(value);
  if (!match) return false;
  const date = new Date(`${value}T00:00:00Z`);
  return !Number.isNaN(date.getTime()) && toCalendarDate(date) === value;
}
