import { extname, join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { WriteAttempt } from '../common/batching/write-attempt';
import { SqliteBatchSender } from './sqlite-batch-sender';
import type { WriterReply, WriterRequest } from './sqlite-write-requests';
import type { WriterThreadOptions } from './sqlite-writer.thread';

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
export class SqliteDecisionWriter extends SqliteBatchSender {
  private thread?: Worker;

  constructor(private readonly options: WriterThreadOptions) {
    super();
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
      await this.whenIdle();
      await this.thread?.terminate();
      this.thread = undefined;
    })();
    return this.closing;
  }

  protected post(request: WriterRequest, attempt: WriteAttempt): void {
    const thread = (this.thread ??= this.start());
    thread.postMessage({ ...request, cell: attempt.share() } satisfies WriterRequest);
  }

  private start(): Worker {
    const thread = spawnWriterThread(this.options);
    // Pending writes keep their requests (and so the process) alive; an idle thread must not.
    thread.unref();
    thread.on('message', (reply: WriterReply) => this.replied(reply));
    const lost = (error: Error) => {
      if (this.thread !== thread) return;
      this.thread = undefined;
      this.lostAll(error);
    };
    thread.on('error', lost);
    thread.on('exit', (code) => lost(new Error(`the SQLite writer thread stopped (exit ${code}); the outcome of its writes is unknown`)));
    return thread;
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
