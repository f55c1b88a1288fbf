import { DeadlineExceededError, MonotonicNow, monotonicMs, WriteAttempt } from '../common/batching/write-attempt';
import { isSqliteBusy } from '../prisma/sqlite-busy';

/** First pause after SQLITE_BUSY: a commit of the other writer takes 0.3-2 ms on this disk. */
export const FIRST_PAUSE_MS = 0.05;
/** Pauses double up to this: a lock held for long (a migration, a purge) costs a try a millisecond. */
export const MAX_PAUSE_MS = 1;

/** Blocks the calling thread; the writer's thread has nothing else to do while it waits. */
const idle = new Int32Array(new SharedArrayBuffer(Int32Array.BYTES_PER_ELEMENT));
const blockFor = (ms: number) => void Atomics.wait(idle, 0, 0, ms);

export interface LockWaitOptions {
  /** How long one write may wait for another connection's write lock in all. */
  busyTimeoutMs: number;
  now?: MonotonicNow;
  pause?: (ms: number) => void;
}

/**
 * Waits for SQLite's write lock in short steps. SQLite's own busy handler (better-sqlite3's
 * `timeout`) sleeps 1, 2, 5, 10, 15, 20, 25 ms... between its tries: two processes writing one
 * file (WORKERS=2, a fleet on one machine) then wait several of the other's commits for each of
 * theirs. Two processes committing in turn, measured: SQLite's handler p99 8.5 ms and up to
 * 80-100 ms per commit; these pauses p99 about 2 ms, and 15-20% more commits in all
 * (docs/benchmarks.md, "The seventh day").
 *
 * The connection must have no busy timeout of its own (`timeout: 0`), and `write` must take the
 * lock first (BEGIN IMMEDIATE), so that SQLITE_BUSY means it did nothing and can run again.
 * The wait ends at the busy timeout (the last SQLITE_BUSY is thrown) or at the attempt's
 * deadline or abort (DeadlineExceededError, the attempt aborted: it will never commit).
 */
export class SqliteLockWait {
  private readonly now: MonotonicNow;
  private readonly pause: (ms: number) => void;

  constructor(private readonly options: LockWaitOptions) {
    this.now = options.now ?? monotonicMs;
    this.pause = options.pause ?? blockFor;
  }

  run<T>(attempt: WriteAttempt, write: () => T): T {
    const giveUpAt = this.now() + this.options.busyTimeoutMs;
    let pauseMs = FIRST_PAUSE_MS;
    for (;;) {
      try {
        return write();
      } catch (error) {
        if (!isSqliteBusy(error)) throw error;
        if (attempt.aborted || attempt.deadline.passed()) {
          attempt.abort();
          throw new DeadlineExceededError();
        }
        const left = Math.min(giveUpAt - this.now(), attempt.deadline.remainingMs());
        if (left <= 0) throw error;
        this.pause(Math.min(pauseMs, left));
        pauseMs = Math.min(pauseMs * 2, MAX_PAUSE_MS);
      }
    }
  }
}
