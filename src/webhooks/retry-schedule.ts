/** When a delivery is tried again, and when it is given up. */
export interface RetrySchedule {
  /** the ceiling of the first retry's wait; it doubles with each failed attempt */
  baseMs: number;
  /** no wait is longer than this */
  capMs: number;
  /** sends at most, the first included; the delivery fails after the last */
  maxAttempts: number;
}

/** The longest wait after `failedAttempts` failed sends (1 or more): base * 2^(n-1), at most cap. */
export function backoffCeilingMs(failedAttempts: number, schedule: Pick<RetrySchedule, 'baseMs' | 'capMs'>): number {
  // 2^30 already exceeds any cap the configuration allows: no overflow to Infinity.
  const doubling = 2 ** Math.min(Math.max(failedAttempts - 1, 0), 30);
  return Math.min(schedule.capMs, schedule.baseMs * doubling);
}

/**
 * The wait before the next send, with full jitter (uniform between 0 and the ceiling, as in
 * AWS's "Exponential Backoff And Jitter"): when a receiver comes back after an outage, the
 * deliveries that piled up reach it spread out, not all in the same second. `random` answers
 * in [0, 1), as Math.random does (tests pass a fixed one).
 */
export function retryDelayMs(failedAttempts: number, schedule: Pick<RetrySchedule, 'baseMs' | 'capMs'>, random: () => number): number {
  return Math.floor(random() * backoffCeilingMs(failedAttempts, schedule));
}

/** Whether a delivery that has just failed its `attempts`-th send is given up. */
export function givesUp(attempts: number, schedule: Pick<RetrySchedule, 'maxAttempts'>): boolean {
  return attempts >= schedule.maxAttempts;
}
