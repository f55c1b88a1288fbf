import { DeadlineExceededError, WriteAttempt } from '../common/batching/write-attempt';
import { DecisionWrite } from './attached-rows';
import { ClaimWrite } from './decision-rows';
import { claimValues, decisionValues } from './sqlite-row-statements';
import type { WriteBatch } from './sqlite-row-statements';
import type { WriterReply, WriterRequest } from './sqlite-write-requests';

/** A failed write as the writer reported it, with SQLite's code (SQLITE_BUSY...) for the error mapping. */
export class SqliteWriteError extends Error {
  constructor(
    message: string,
    readonly code?: string,
  ) {
    super(message);
    this.name = 'SqliteError';
  }
}

interface Waiting {
  attempt: WriteAttempt;
  resolve: (written: boolean[]) => void;
  reject: (error: Error) => void;
}

/**
 * The decision path's SQLite writes sent, as plain values, to a writer with a connection of its
 * own (a thread of this process, or the cluster's primary), and their replies matched back.
 */
export abstract class SqliteBatchSender {
  private nextId = 1;
  private readonly waiting = new Map<number, Waiting>();
  private idle?: () => void;
  protected closing?: Promise<void>;

  /**
   * The decisions, each with its attached rows, in one transaction. A claimed write links its
   * Idempotency-Key claim first and is skipped (`linked` false) when the claim is no longer its
   * request's; the others are written all the same.
   */
  async insertMany(writes: DecisionWrite[], attempt: WriteAttempt): Promise<void> {
    const written = await this.send(attempt, { kind: 'decisions', items: writes.map(decisionValues) });
    writes.forEach((write, i) => {
      if (write.claim) write.linked = written[i];
    });
  }

  /** New Idempotency-Key claims in one transaction, each `inserted` unless its key was claimed already. */
  async insertClaims(writes: ClaimWrite[], attempt: WriteAttempt): Promise<void> {
    const inserted = await this.send(attempt, { kind: 'claims', items: writes.map(claimValues) });
    writes.forEach((write, i) => (write.inserted = inserted[i]));
  }

  /** Readies the writer before the first write (see the subclasses). */
  abstract warmUp(): void;

  /** Waits for the writes sent, then lets the writer go. */
  abstract close(): Promise<void>;

  /** Hands the request to the writer; its reply comes back through replied(). */
  protected abstract post(request: WriterRequest, attempt: WriteAttempt): void;

  protected whenIdle(): Promise<void> {
    return this.waiting.size === 0 ? Promise.resolve() : new Promise<void>((resolve) => (this.idle = resolve));
  }

  protected replied(reply: WriterReply): void {
    const waiter = this.waiting.get(reply.id);
    if (!waiter) return;
    this.settled(reply.id);
    if ('written' in reply) return waiter.resolve(reply.written);
    if (reply.error.deadline) return waiter.reject(new DeadlineExceededError());
    // The writer's transaction threw, so it rolled back: the attempt says so (see failedInTime()).
    waiter.attempt.rolledBack();
    waiter.reject(new SqliteWriteError(reply.error.message, reply.error.code));
  }

  /** The writer is gone: what it held may or may not have committed, and fails with `error`. */
  protected lostAll(error: Error): void {
    for (const [id, waiter] of [...this.waiting]) {
      this.settled(id);
      waiter.reject(error);
    }
  }

  private send(attempt: WriteAttempt, body: WriteBatch): Promise<boolean[]> {
    if (this.closing) return Promise.reject(new Error('the database connection is closed'));
    const id = this.nextId++;
    return new Promise<boolean[]>((resolve, reject) => {
      this.waiting.set(id, { attempt, resolve, reject });
      try {
        this.post({ id, deadlineAt: attempt.deadline.at, ...body }, attempt);
      } catch (error) {
        this.settled(id);
        reject(error as Error);
      }
    });
  }

  private settled(id: number): void {
    this.waiting.delete(id);
    if (this.waiting.size === 0) this.idle?.();
  }
}
