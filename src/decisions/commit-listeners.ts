/** One durable write of the decision path, as its writer timed it. */
export interface CommitEvent {
  /** A batch of decisions (with their attached rows), or of Idempotency-Key claims. */
  kind: 'decisions' | 'claims';
  /** From the transaction's start to its COMMIT's return: the wait for the lock, the statements and the fsync. */
  seconds: number;
}

/** Who is told of each committed batch (the commit-time metric). */
export class CommitListeners {
  private readonly listeners: ((event: CommitEvent) => void)[] = [];

  add(listener: (event: CommitEvent) => void): void {
    this.listeners.push(listener);
  }

  /** Tells every listener; one that throws is skipped: the batch is committed, and must not read as failed. */
  emit(event: CommitEvent): void {
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch {
        // A metric's failure is not the write's.
      }
    }
  }
}
