import { backoffCeilingMs, givesUp, retryDelayMs } from './retry-schedule';

describe('webhook retry schedule', () => {
  const defaults = { baseMs: 30_000, capMs: 3_600_000, maxAttempts: 8 };

  it.each([
    [1, 30_000],
    [2, 60_000],
    [3, 120_000],
    [4, 240_000],
    [5, 480_000],
    [6, 960_000],
    [7, 1_920_000],
    [8, 3_600_000],
    [40, 3_600_000],
  ])('after %i failed sends waits at most %i ms (doubling, capped)', (failed, ceiling) => {
    expect(backoffCeilingMs(failed, defaults)).toBe(ceiling);
  });

  it('jitters over the whole range below the ceiling (full jitter)', () => {
    expect(retryDelayMs(3, defaults, () => 0)).toBe(0);
    expect(retryDelayMs(3, defaults, () => 0.5)).toBe(60_000);
    expect(retryDelayMs(3, defaults, () => 0.999999)).toBe(119_999);
  });

  it('gives up after the last attempt, not before', () => {
    expect(givesUp(7, defaults)).toBe(false);
    expect(givesUp(8, defaults)).toBe(true);
    expect(givesUp(1, { maxAttempts: 1 })).toBe(true);
  });
});
