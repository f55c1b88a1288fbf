interface Pending<T> {
  item: T;
  resolve: () => void;
  reject: (error: unknown) => void;
}

/**
 * Group commit: concurrent writers share one database write, and each is answered only after
 * the write holding its item has committed. A write waits for the end of the current event-loop
 * turn (setImmediate), so every request that reached this point in the same turn goes in the
 * same batch; items arriving while a batch is being written go in the next one. Prisma on SQLite
 * runs a write without yielding to I/O, so without that wait no two writes would ever overlap
 * and every decision would pay the full per-statement cost (about 2 ms of CPU) alone.
 * If a batch fails, its items are retried one by one so that one bad item fails alone.
 */
export class GroupCommit<T> {
  private queue: Pending<T>[] = [];
  private flushing: Promise<void> | undefined;

  constructor(
    private readonly writeMany: (items: T[]) => Promise<void>,
    private readonly writeOne: (item: T) => Promise<void>,
    private readonly maxBatch = 200,
  ) {}

  write(item: T): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
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

  private async flush(): Promise<void> {
    while (this.queue.length > 0) {
      const batch = this.queue.splice(0, this.maxBatch);
      if (batch.length === 1) {
        await this.settle(batch[0]);
        continue;
      }
      try {
        await this.writeMany(batch.map((pending) => pending.item));
        for (const pending of batch) pending.resolve();
      } catch {
        for (const pending of batch) await this.settle(pending);
      }
    }
  }

  private async settle(pending: Pending<T>): Promise<void> {
    try {
      await this.writeOne(pending.item);
      pending.resolve();
    } catch (error) {
      pending.reject(error);
    }
  }
}
