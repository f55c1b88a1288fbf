// The decision writer's thread (see SqliteDecisionWriter): its own connection to the database
// file, the prepared statements, and one batch at a time in the order the main thread sent them.
import { performance } from 'node:perf_hooks';
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { Deadline, DeadlineExceededError, WriteAttempt } from '../common/batching/write-attempt';
import { SqliteLockWait } from './sqlite-lock-wait';
import { ClaimValues, DecisionValues, SqliteRowStatements } from './sqlite-row-statements';

export interface WriterThreadOptions {
  file: string;
  busyTimeoutMs: number;
}

export type WriterBody = { kind: 'decisions'; items: DecisionValues[] } | { kind: 'claims'; items: ClaimValues[] };

export type WriterRequest = { id: number; cell: Int32Array; deadlineAt: number } & WriterBody;

/** `commitMs`: the transaction's time on this thread, from its start to COMMIT's return (the fsync included). */
export type WriterReply = { id: number; written: boolean[]; commitMs: number } | { id: number; error: { message: string; code?: string; deadline: boolean } };

function serve(port: NonNullable<typeof parentPort>, { file, busyTimeoutMs }: WriterThreadOptions): void {
  // FULL, as on Prisma's connection, so that an answered decision survives a power loss. No busy
  // timeout: SqliteLockWait waits for the lock instead, in finer steps than SQLite's, bounded by
  // the write budget (it blocks this thread only). journal_mode is WAL already (a property of
  // the file, set by the migrator): readers on the main thread's connection never wait for this one.
  const db = new Database(file, { timeout: 0 });
  db.pragma('synchronous = FULL');
  const statements = new SqliteRowStatements(db, new SqliteLockWait({ busyTimeoutMs }));
  port.on('message', (request: WriterRequest) => {
    const attempt = new WriteAttempt(new Deadline(request.deadlineAt), request.cell);
    let reply: WriterReply;
    try {
      const started = performance.now();
      const written = request.kind === 'decisions' ? statements.insertDecisions(request.items, attempt) : statements.insertClaims(request.items, attempt);
      reply = { id: request.id, written, commitMs: performance.now() - started };
    } catch (error) {
      const { message, code } = error as Error & { code?: unknown };
      reply = { id: request.id, error: { message, code: typeof code === 'string' ? code : undefined, deadline: error instanceof DeadlineExceededError } };
    }
    port.postMessage(reply);
  });
  port.once('close', () => db.close());
}

if (parentPort) serve(parentPort, workerData as WriterThreadOptions);
