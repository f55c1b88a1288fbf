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
