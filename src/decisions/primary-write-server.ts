import type { Database } from 'better-sqlite3';
import { openSqliteWriter, SqliteRowStatements } from './sqlite-row-statements';
import { answerWrites, isPrimaryWriteMessage, PrimaryWrittenMessage, WriterRequest } from './sqlite-write-requests';

type Answer = (written: PrimaryWrittenMessage) => void;

/**
 * WORKERS > 1 on SQLite: the one writer of the decision path's rows for every worker of the
 * machine, in the primary (which serves no request). With a writer per worker, two connections
 * took the file's write lock in turns, and each had to read back from the WAL the pages the other
 * had just committed (the same last pages of the table and its indexes): 3-6 reads per decision
 * instead of 1.4, and 45% more of the writers' CPU per decision (docs/benchmarks.md, "The fifth
 * day"). Here the batches of all workers go through one connection, and the batches that
 * arrived together (while the one before was being written) share one transaction and its fsync.
 *
 * A worker's deadline is decided here on the clock alone (see WriteAttempt.handedOver()): the
 * monotonic clock is the machine's, so the worker's deadline means the same here.
 */
export class PrimaryWriteServer {
  private queue: { request: WriterRequest; answer: Answer }[] = [];

  private constructor(
    private readonly db: Database,
    private readonly statements: SqliteRowStatements,
  ) {}

  static open(file: string, busyTimeoutMs: number): PrimaryWriteServer {
    const { db, statements } = openSqliteWriter(file, busyTimeoutMs);
    return new PrimaryWriteServer(db, statements);
  }

  /**
   * Takes the message if it is a worker's write (true), and answers it at the end of the event
   * loop's turn, with the others that came in the same turn. Other messages are left (false).
   */
  handle(message: unknown, answer: Answer): boolean {
    if (!isPrimaryWriteMessage(message)) return false;
    if (this.queue.length === 0) setImmediate(() => this.write());
    this.queue.push({ request: message.request, answer });
    return true;
  }

  /** The write is synchronous: the batches that arrive meanwhile wait in the IPC channels. */
  private write(): void {
    if (this.queue.length === 0) return; // written by close() already
    const taken = this.queue;
    this.queue = [];
    const replies = answerWrites(
      this.statements,
      taken.map(({ request }) => request),
    );
    taken.forEach(({ answer }, i) => answer({ linetrust: 'written', reply: replies[i] }));
  }

  /** Writes what has arrived, then closes the connection. */
  close(): void {
    this.write();
    this.db.close();
  }
}
