import { Listeners } from '../common/events/listeners';

/** One durable write of the decision path, as its writer timed it. */
export interface CommitEvent {
  /** A batch of decisions (with their attached rows), or of Idempotency-Key claims. */
  kind: 'decisions' | 'claims';
  /** From the transaction's start to its COMMIT's return: the wait for the lock, the statements and the fsync. */
  seconds: number;
}

/** Who is told of each committed batch (the commit-time metric); one that throws cannot fail the write. */
export class CommitListeners extends Listeners<CommitEvent> {}
