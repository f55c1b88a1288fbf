import fc from 'fast-check';
import { calendarDaysBefore, FixedClock, isCalendarDate, SystemClock, toCalendarDate } from './clock';

describe('isCalendarDate', () => {
  it.each([
    ['2026-03-10'],
    ['2024-02-29'], // leap year
    ['2000-02-29'], // divisible by 400: leap
    ['2026-12-31'],
    ['1970-01-01'],
  ])('accepts the real calendar date %s', (value) => {
    expect(isCalendarDate(value)).toBe(true);
  });

  it.each([
    ['2026-02-30', 'day past the end of February'],
    ['2023-02-29', 'Feb 29 in a non-leap year'],
    ['1900-02-29', 'century not divisible by 400: not leap'],
    ['2026-04-31', 'April has 30 days'],
    ['2026-13-01', 'month 13'],
    ['2026-00-10', 'month 0'],
    ['2026-03-00', 'day 0'],
    ['2026-3-10', 'month not zero-padded'],
    ['2026-03-1', 'day not zero-padded'],
    ['26-03-10', 'two-digit year'],
    ['2026/03/10', 'wrong separator'],
    ['20260310', 'no separator'],
    ['2026-03-10T00:00:00Z', 'a date-time, not a date'],
    [' 2026-03-10', 'leading space'],
    ['2026-03-10 ', 'trailing space'],
    ['', 'empty string'],
    ['-10d', 'a relative offset'],
  ])('rejects %j (%s)', (value) => {
    expect(isCalendarDate(value)).toBe(false);
  });
});

describe('toCalendarDate', () => {
  it.each([
    ['2026-03-10T00:00:00.000Z', '2026-03-10'],
    ['2026-03-10T23:59:59.999Z', '2026-03-10'],
    // The calendar date is the UTC one, whatever offset the instant was written with.
    ['2026-03-10T23:30:00-02:00', '2026-03-11'],
    ['2026-03-11T01:00:00+02:00', '2026-03-10'],
  ])('%s is on the UTC calendar date %s', (instant, expected) => {
    expect(toCalendarDate(new Date(instant))).toBe(expected);
  });

  // Formatted days are remembered by day number: no instant may get another day's date.
  it("answers each instant's own date, whatever was formatted before it (before 1970 and far ahead included)", () => {
    const instant = fc.integer({ min: Date.UTC(1600, 0, 1), max: Date.UTC(9999, 11, 31, 23, 59, 59, 999) });
    fc.assert(
      fc.property(fc.array(instant, { minLength: 1, maxLength: 20 }), (instants) => {
        for (const t of [...instants, ...instants.reverse()]) expect(toCalendarDate(new Date(t))).toBe(new Date(t).toISOString().slice(0, 10));
      }),
      { numRuns: 300 },
    );
  });

  it('still answers right once more days were formatted than it remembers', () => {
    const start = Date.UTC(2000, 0, 1, 12);
    for (let day = 0; day < 5000; day += 1) toCalendarDate(new Date(start + day * 86_400_000));
    expect(toCalendarDate(new Date(start))).toBe('2000-01-01');
    expect(toCalendarDate(new Date(start + 4999 * 86_400_000))).toBe('2013-09-08');
  });

  it('refuses an invalid date every time, as toISOString does', () => {
    expect(() => toCalendarDate(new Date('not a date'))).toThrow(RangeError);
    expect(() => toCalendarDate(new Date(Number.NaN))).toThrow(RangeError);
  });
});

describe('calendarDaysBefore', () => {
  it.each([
    ['2026-03-10T12:00:00Z', 0, '2026-03-10'],
    ['2026-03-10T12:00:00Z', 1, '2026-03-09'],
    ['2026-03-10T12:00:00Z', 30, '2026-02-08'],
    ['2026-03-01T00:30:00Z', 1, '2026-02-28'], // across a month end
    ['2024-03-01T00:30:00Z', 1, '2024-02-29'], // across a leap day
    ['2026-01-01T00:00:00Z', 1, '2025-12-31'], // across a year end
    ['2026-03-10T23:59:59Z', 365, '2025-03-10'],
    // UTC has no DST: the day the EU clocks change is still 24 h long.
    ['2026-03-30T00:30:00Z', 1, '2026-03-29'],
  ])('from %s, %i day(s) before is %s', (now, days, expected) => {
    expect(calendarDaysBefore(new Date(now), days)).toBe(expected);
  });

  it('does not modify the date it is given', () => {
    const now = new Date('2026-03-10T12:00:00Z');
    calendarDaysBefore(now, 5);
    expect(now.toISOString()).toBe('2026-03-10T12:00:00.000Z');
  });
});

describe('FixedClock', () => {
  it('answers the pinned instant until it is set to another', () => {
    const clock = new FixedClock(new Date('2026-03-10T12:00:00Z'));
    expect(clock.now().toISOString()).toBe('2026-03-10T12:00:00.000Z');
    expect(clock.now().toISOString()).toBe('2026-03-10T12:00:00.000Z');

    clock.set(new Date('2026-04-01T08:00:00Z'));
    expect(clock.now().toISOString()).toBe('2026-04-01T08:00:00.000Z');
  });

  // The constructor keeps the caller's Date by reference (only set() copies), so it is not tested here.
  it('cannot be moved by mutating a Date it returned or was set to', () => {
    const clock = new FixedClock(new Date('2026-03-10T12:00:00Z'));
    clock.now().setUTCFullYear(1999);
    expect(clock.now().toISOString()).toBe('2026-03-10T12:00:00.000Z');

    const next = new Date('2026-05-05T05:05:05Z');
    clock.set(next);
    next.setUTCFullYear(2001);
    expect(clock.now().toISOString()).toBe('2026-05-05T05:05:05.000Z');
  });
});

describe('SystemClock', () => {
  it('answers the current wall-clock time', () => {
    const before = Date.now();
    const now = new SystemClock().now().getTime();
    expect(now).toBeGreaterThanOrEqual(before);
    expect(now).toBeLessThanOrEqual(Date.now());
  });
});
