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

/**
 * Formatted dates by UTC day number. A decision formats a few (today, today - N days per
 * tenure rule), always the same few: toISOString took about 1 us a call, a Map hit a few
 * tens of ns. Bounded: cleared when full (a backtest over years of dates still fits).
 */
const formattedDays = new Map<number, string>();
const MAX_FORMATTED_DAYS = 4096;

/** Calendar date (UTC) `YYYY-MM-DD`, the format CAMARA uses for tenureDate and specifiedDate. */
export function toCalendarDate(date: Date): string {
  // Every instant of one UTC day has that day's date: its number is the key (NaN throws below).
  const day = Math.floor(date.getTime() / DAY_MS);
  let text = formattedDays.get(day);
  if (text === undefined) {
    text = date.toISOString().slice(0, 10);
    if (formattedDays.size >= MAX_FORMATTED_DAYS) formattedDays.clear();
    formattedDays.set(day, text);
  }
  return text;
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
