/** Milliseconds on a monotonic clock, which wall-clock changes do not move. */
export type MonotonicNow = () => number;

/**
 * The budget's clock: process.hrtime, monotonic like performance.now but a clock of its own, so
 * that a test speeding performance.now up (to fast-forward an Idempotency-Key claim going stale)
 * does not spend every decision's budget with it.
 */
export const monotonicMs: MonotonicNow = () => Number(process.hrtime.bigint()) / 1e6;

const monotonic = monotonicMs;

/**
 * A point in time a piece of work must be done by, on the monotonic clock. Timers fire late
 * under load, so whoever must know whether the deadline passed reads the clock here rather than
 * trusting that a timer would have fired already.
 */
export class Deadline {
  constructor(
    /** monotonicMs() milliseconds. */
    readonly at: number,
    private readonly now: MonotonicNow = monotonic,
  ) {}

  static in(ms: number, now: MonotonicNow = monotonic): Deadline {
    return new Deadline(now() + ms, now);
  }

  static never(): Deadline {
    return new Deadline(Number.POSITIVE_INFINITY);
  }

  remainingMs(): number {
    return this.at - this.now();
  }

  passed(): boolean {
    return this.remainingMs() <= 0;
  }

  /** The earlier of two deadlines. */
  min(other: Deadline): Deadline {
    return other.at < this.at ? other : this;
  }

  /** Calls `onPassed` at the deadline (never for an infinite one); returns the cancel function. */
  onPassed(onPassed: () => void): () => void {
    if (!Number.isFinite(this.at)) return () => undefined;
    const timer = setTimeout(onPassed, Math.max(0, this.remainingMs()));
    return () => clearTimeout(timer);
  }
}

/** The write was not committed by its deadline, and never will be: nothing was stored. */
export class DeadlineExceededError extends Error {
  constructor() {
    super('the write did not commit before its deadline; nothing was stored');
    this.name = 'DeadlineExceededError';
  }
}

/**
 * One attempt at a durable write (one database transaction), which can be called off until it
 * starts to commit. The transaction calls beforeCommit() after its last statement, just before it
 * returns and so commits: from then on it cannot be called off, and whoever waits for it waits
 * for the commit's outcome. Before that, abort() (at the deadline) guarantees that it will never
 * commit: beforeCommit() will throw, which rolls the transaction back. JavaScript runs one thing
 * at a time, so abort() and beforeCommit() cannot interleave: exactly one of them wins.
 */
export class WriteAttempt {
  private state: 'writing' | 'committing' | 'aborted' | 'rolled back' = 'writing';

  constructor(readonly deadline: Deadline) {}

  /** Milliseconds left for the transaction's statements (a statement_timeout), at least 1. */
  statementTimeoutMs(): number {
    return Math.max(1, Math.ceil(this.deadline.remainingMs()));
  }

  /**
   * Call inside the transaction after its last statement: throws (so the transaction rolls back)
   * when the attempt was aborted or its deadline passed, read on the clock since a timer may be
   * late; otherwise the attempt is committing and can no longer be aborted.
   */
  beforeCommit(): void {
    if (this.state === 'aborted' || this.deadline.passed()) {
      this.state = 'aborted';
      throw new DeadlineExceededError();
    }
    this.state = 'committing';
  }

  /** Calls the attempt off; true when it is guaranteed never to commit, false once committing. */
  abort(): boolean {
    if (this.state === 'committing') return false;
    this.state = 'aborted';
    return true;
  }

  /** The write failed and is known to have stored nothing (a failed SQLite statement). */
  rolledBack(): void {
    if (this.state === 'committing') this.state = 'rolled back';
  }

  /**
   * After the write failed: whether that failure is the deadline's, with nothing stored. A
   * commit that failed in an unknown way keeps its own error: it might have been stored.
   */
  failedInTime(): boolean {
    return !(this.state === 'aborted' || (this.state !== 'committing' && this.deadline.passed()));
  }

  get aborted(): boolean {
    return this.state === 'aborted';
  }

  get committing(): boolean {
    return this.state === 'committing';
  }
}
