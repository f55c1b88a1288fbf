import { extname, join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { DeadlineExceededError, WriteAttempt } from '../common/batching/write-attempt';
import { DecisionWrite } from './attached-rows';
import { CommitListeners } from './commit-listeners';
import { ClaimWrite } from './decision-rows';
import { claimValues, decisionValues } from './sqlite-row-statements';
import type { WriterBody, WriterReply, WriterRequest, WriterThreadOptions } from './sqlite-writer.thread';

/** A failed write as the thread reported it, with SQLite's code (SQLITE_BUSY...) for the error mapping. */
class SqliteWriteError extends Error {
  constructor(
    message: string,
    readonly code?: string,
  ) {
    super(message);
    this.name = 'SqliteError';
  }
}

/**
 * The decision path's writes on SQLite (decisions with their attached rows, Idempotency-Key
 * claims), on a thread of their own with a connection of their own. better-sqlite3 is
 * synchronous: on the event loop's thread, each group commit's COMMIT and its fsync
 * (synchronous=FULL) held every request in flight, 15-21% of the service's busy time under
 * the bench's load (docs/benchmarks.md). Here the main thread only sends plain values and waits.
 *
 * The deadline still decides before the commit: the attempt's state is shared memory, so the
 * main thread's abort() and the thread's beforeCommit() cannot both win (see WriteAttempt).
 * If the thread dies, the writes it held fail with an error that is not the deadline's (they
 * may have committed), and the next write starts another thread.
 */
export class SqliteDecisionWriter {
  private thread?: Worker;
  private nextId = 1;
  private readonly waiting = new Map<number, { kind: WriterBody['kind']; resolve: (written: boolean[]) => void; reject: (error: Error) => void }>();
  private closing?: Promise<void>;
  private idle?: () => void;

  constructor(
    private readonly options: WriterThreadOptions,
    /** Told of each batch committed, with the thread's time for it. */
    private readonly commits = new CommitListeners(),
  ) {}

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

  /**
   * Starts the thread now rather than at the first write: starting it (a V8 isolate, the driver,
   * the prepared statements) took 70-100 ms, which the first decision after a start would
   * otherwise spend out of its write budget. The schema must be in place (after the migrations).
   */
  warmUp(): void {
    if (!this.closing) this.thread ??= this.start();
  }

  /** Waits for the writes sent, then stops the thread (and closes its connection). */
  close(): Promise<void> {
    this.closing ??= (async () => {
      if (this.waiting.size > 0) await new Promise<void>((resolve) => (this.idle = resolve));
      await this.thread?.terminate();
      this.thread = undefined;
    })();
    return this.closing;
  }

  private send(attempt: WriteAttempt, body: WriterBody): Promise<boolean[]> {
    if (this.closing) return Promise.reject(new Error('the database connection is closed'));
    const thread = (this.thread ??= this.start());
    const id = this.nextId++;
    return new Promise<boolean[]>((resolve, reject) => {
      this.waiting.set(id, { kind: body.kind, resolve, reject });
      thread.postMessage({ id, cell: attempt.share(), deadlineAt: attempt.deadline.at, ...body } as WriterRequest);
    });
  }

  private start(): Worker {
    const thread = spawnWriterThread(this.options);
    // Pending writes keep their requests (and so the process) alive; an idle thread must not.
    thread.unref();
    thread.on('message', (reply: WriterReply) => {
      const waiter = this.waiting.get(reply.id);
      if (!waiter) return;
      this.settled(reply.id);
      if ('written' in reply) {
        waiter.resolve(reply.written);
        this.commits.emit({ kind: waiter.kind, seconds: reply.commitMs / 1000 });
      } else waiter.reject(reply.error.deadline ? new DeadlineExceededError() : new SqliteWriteError(reply.error.message, reply.error.code));
    });
    const lost = (error: Error) => {
      if (this.thread !== thread) return;
      this.thread = undefined;
      for (const [id, waiter] of [...this.waiting]) {
        this.settled(id);
        waiter.reject(error);
      }
    };
    thread.on('error', lost);
    thread.on('exit', (code) => lost(new Error(`the SQLite writer thread stopped (exit ${code}); the outcome of its writes is unknown`)));
    return thread;
  }

  private settled(id: number): void {
    this.waiting.delete(id);
    if (this.waiting.size === 0) this.idle?.();
  }
}

/**
 * The thread's young generation, in which each batch's values arrive and die: V8's default lets
 * it grow to 32 MB under load and keeps that once the load ends (nothing there runs an idle GC).
 * A batch's values are a few hundred KB at most.
 */
export const WRITER_HEAP = { maxYoungGenerationSizeMb: 4 };

/**
 * The thread runs the compiled sqlite-writer.thread.js. From the TypeScript sources (tests, `npm
 * run dev`) it runs the .ts file through the transpiler the process uses, which a thread does not
 * inherit: test/support/ts-register.js and jest's setup name it in LINETRUST_TS_HOOK.
 */
function spawnWriterThread(options: WriterThreadOptions): Worker {
  const entry = join(__dirname, `sqlite-writer.thread${extname(__filename)}`);
  const threadOptions = { workerData: options, resourceLimits: WRITER_HEAP };
  if (extname(__filename) !== '.ts') return new Worker(entry, threadOptions);
  const hook = process.env.LINETRUST_TS_HOOK;
  if (!hook) throw new Error('running from the TypeScript sources, the SQLite writer thread needs LINETRUST_TS_HOOK (test/support/ts-register.js sets it)');
  return new Worker(`require(${JSON.stringify(hook)}); require(${JSON.stringify(entry)});`, { ...threadOptions, eval: true });
}
