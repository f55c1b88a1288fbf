import { Deadline, DeadlineExceededError, WriteAttempt } from './write-attempt';

interface Pending<T> {
  item: T;
  deadline: Deadline;
  /** The attempt writing the item now, if any. */
  attempt?: WriteAttempt;
  settled: boolean;
  resolve: () => void;
  reject: (error: unknown) => void;
  cancelTimer: () => void;
}

/**
 * Writes a batch (or one item) in one transaction. It must call `attempt.beforeCommit()` after
 * its last statement, inside the transaction, and should bound its statements by
 * `attempt.statementTimeoutMs()`: that is what lets an item be answered "not stored" at its
 * deadline (see WriteAttempt).
 */
export type BatchWriter<T> = (items: T[], attempt: WriteAttempt) => Promise<void>;
export type ItemWriter<T> = (item: T, attempt: WriteAttempt) => Promise<void>;

/**
 * Group commit: concurrent writers share one database write, and each is answered only after
 * the write holding its item has committed. A write waits for the end of the current event-loop
 * turn (setImmediate), so every request that reached this point in the same turn goes in the
 * same batch; items arriving while a batch is being written go in the next one. Prisma on SQLite
 * runs a write without yielding to I/O, so without that wait no two writes would ever overlap
 * and every decision would pay the full per-statement cost (about 2 ms of CPU) alone.
 * If a batch fails, its items are retried one by one so that one bad item fails alone.
 *
 * Deadlines: an item not committed by its deadline is rejected with DeadlineExceededError only
 * when it is guaranteed never to be stored:
 * - still queued: it is taken out of the queue, and no write will ever hold it;
 * - in a write that has not begun to commit: that write is aborted (it rolls back, see
 *   WriteAttempt), and its other items, if still in time, are retried one by one afterwards;
 * - in a write that is committing: it waits for the commit's outcome, since a commit already
 *   sent may succeed. That window is one COMMIT round trip.
 * A batch's write is bounded by the earliest deadline of its items, and every deadline is read
 * on the monotonic clock before a write starts and before it commits, not only when its timer
 * fires (timers fire late under load).
 */
export class GroupCommit<T> {
  private queue: Pending<T>[] = [];
  private flushing: Promise<void> | undefined;

  constructor(
    private readonly writeMany: BatchWriter<T>,
    private readonly writeOne: ItemWriter<T>,
    private readonly maxBatch = 200,
  ) {}

  write(item: T, deadline: Deadline = Deadline.never()): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const pending: Pending<T> = { item, deadline, settled: false, resolve, reject, cancelTimer: () => undefined };
      if (deadline.passed()) return reject(new DeadlineExceededError());
      pending.cancelTimer = deadline.onPassed(() => this.expire(pending));
      this.queue.push(pending);
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.flushing) return;
    this.flushing = new Promise<void>((turnEnded) => setImmediate(turnEnded))
      .then(() => this.flush())
      .finally(() => {
        this.flushing = undefined;
        // An item written after flush() saw an empty queue but before this point found a flush
        // still "running" and did not schedule one: do it now, or it would wait forever.
        if (this.queue.length > 0) this.schedule();
      });
  }

  /** Resolves once everything written so far has been committed or refused. */
  async drained(): Promise<void> {
    while (this.flushing) await this.flushing;
  }

  /** The item's deadline passed: refuse it now if it can never be stored, else let its write decide. */
  private expire(pending: Pending<T>): void {
    if (pending.settled) return;
    if (pending.attempt === undefined) {
      this.queue = this.queue.filter((queued) => queued !== pending);
    } else if (!pending.attempt.abort()) {
      return; // committing: its outcome decides
    }
    this.finish(pending, new DeadlineExceededError());
  }

  private finish(pending: Pending<T>, error?: unknown): void {
    if (pending.settled) return;
    pending.settled = true;
    pending.cancelTimer();
    if (error === undefined) pending.resolve();
    else pending.reject(error);
  }

  /** Items whose deadline passed (whatever their timers say) are refused before any write. */
  private takeInTime(batch: Pending<T>[]): Pending<T>[] {
    const live: Pending<T>[] = [];
    for (const pending of batch) {
      if (pending.settled) continue;
      if (pending.deadline.passed()) this.finish(pending, new DeadlineExceededError());
      else live.push(pending);
    }
    return live;
  }

  private async flush(): Promise<void> {
    while (this.queue.length > 0) {
      const batch = this.takeInTime(this.queue.splice(0, this.maxBatch));
      if (batch.length === 0) continue;
      if (batch.length === 1) {
        await this.settle(batch[0]);
        continue;
      }
      const attempt = new WriteAttempt(batch.map((p) => p.deadline).reduce((a, b) => a.min(b)));
      for (const pending of batch) pending.attempt = attempt;
      try {
        await this.writeMany(batch.map((pending) => pending.item), attempt);
        for (const pending of batch) this.finish(pending);
      } catch {
        // Rolled back (or refused): each item still waiting, and still in time, is tried alone.
        for (const pending of batch) pending.attempt = undefined;
        for (const pending of this.takeInTime(batch)) await this.settle(pending);
      }
    }
  }

  private async settle(pending: Pending<T>): Promise<void> {
    if (pending.settled) return;
    if (pending.deadline.passed()) return this.finish(pending, new DeadlineExceededError());
    const attempt = new WriteAttempt(pending.deadline);
    pending.attempt = attempt;
    try {
      await this.writeOne(pending.item, attempt);
      this.finish(pending);
    } catch (error) {
      this.finish(pending, attempt.failedInTime() ? error : new DeadlineExceededError());
    }
  }
}
