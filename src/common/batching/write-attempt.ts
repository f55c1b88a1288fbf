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

const WRITING = 0;
const COMMITTING = 1;
const ABORTED = 2;
const ROLLED_BACK = 3;

/**
 * One attempt at a durable write (one database transaction), which can be called off until it
 * starts to commit. The transaction calls beforeCommit() after its last statement, just before it
 * returns and so commits: from then on it cannot be called off, and whoever waits for it waits
 * for the commit's outcome. Before that, abort() (at the deadline) guarantees that it will never
 * commit: beforeCommit() will throw, which rolls the transaction back. Exactly one of abort() and
 * beforeCommit() wins, even when the transaction runs on another thread: the state is one cell
 * changed by compare-and-swap, which share() moves to memory that thread can see.
 */
export class WriteAttempt {
  constructor(
    readonly deadline: Deadline,
    /** The state: a cell of a SharedArrayBuffer when another thread writes (see share()). */
    private cell: Int32Array = new Int32Array(1),
  ) {}

  private get state(): number {
    return Atomics.load(this.cell, 0);
  }

  /**
   * The state moved to shared memory, for the thread that runs the transaction: it makes its own
   * WriteAttempt on the returned cell (with `new Deadline(deadline.at)`, the monotonic clock
   * being the process's), and both sides then see each other's abort() and beforeCommit().
   */
  share(): Int32Array {
    if (!(this.cell.buffer instanceof SharedArrayBuffer)) {
      const shared = new Int32Array(new SharedArrayBuffer(Int32Array.BYTES_PER_ELEMENT));
      shared[0] = this.state;
      this.cell = shared;
    }
    return this.cell;
  }

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
    if (this.deadline.passed()) Atomics.compareExchange(this.cell, 0, WRITING, ABORTED);
    if (Atomics.compareExchange(this.cell, 0, WRITING, COMMITTING) === ABORTED) throw new DeadlineExceededError();
  }

  /** Calls the attempt off; true when it is guaranteed never to commit, false once committing. */
  abort(): boolean {
    for (;;) {
      const state = this.state;
      if (state === COMMITTING) return false;
      if (Atomics.compareExchange(this.cell, 0, state, ABORTED) === state) return true;
    }
  }

  /** The write failed and is known to have stored nothing (a failed SQLite statement). */
  rolledBack(): void {
    Atomics.compareExchange(this.cell, 0, COMMITTING, ROLLED_BACK);
  }

  /**
   * After the write failed: whether that failure is the deadline's, with nothing stored. A
   * commit that failed in an unknown way keeps its own error: it might have been stored.
   */
  failedInTime(): boolean {
    const state = this.state;
    return !(state === ABORTED || (state !== COMMITTING && this.deadline.passed()));
  }

  get aborted(): boolean {
    return this.state === ABORTED;
  }

  get committing(): boolean {
    return this.state === COMMITTING;
  }
}
