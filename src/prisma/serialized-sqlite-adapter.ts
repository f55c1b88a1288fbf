import { PrismaBetterSQLite3 } from '@prisma/adapter-better-sqlite3';
import type { Database } from 'better-sqlite3';
import { isSqliteBusy } from './sqlite-busy';

type Adapter = Awaited<ReturnType<PrismaBetterSQLite3['connect']>>;
type Transaction = Awaited<ReturnType<Adapter['startTransaction']>>;

/** A FIFO lock: one holder at a time, in the order they asked. */
class Lock {
  private tail: Promise<void> = Promise.resolve();

  /** Resolves with the release function once every earlier holder has released. */
  acquire(): Promise<() => void> {
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    const acquired = this.tail.then(() => release);
    this.tail = this.tail.then(() => released);
    return acquired;
  }
}

/** How Prisma's connection waits for another connection's write lock. */
export interface BusyWaitOptions {
  /** How long one statement may wait for the lock in all; 0: not at all (SQLITE_BUSY at once). */
  busyTimeoutMs: number;
  /** Resolves after `ms`; a timer by default, so that the event loop runs meanwhile. */
  pause?: (ms: number) => Promise<void>;
  now?: () => number;
}

/** Between tries: the writer thread's commits take 0.3-2 ms; a timer fires no sooner than 1 ms anyway. */
export const BUSY_PAUSE_MS = 1;

type Retry = <R>(run: () => Promise<R>) => Promise<R>;

/**
 * Runs a statement again while SQLite answers SQLITE_BUSY, awaiting a pause between tries, up to
 * the busy timeout (then its last SQLITE_BUSY is thrown). SQLite's own busy handler
 * (better-sqlite3's `timeout`) sleeps instead, 1, 2, 5, 10... ms at a time, and on the event
 * loop's thread that froze every request in flight while a writer thread or another process
 * committed: in a WORKERS=2 profile, 75-78 freezes per worker of up to 10-14 ms.
 */
function busyRetry({ busyTimeoutMs, pause = (ms) => new Promise((resolve) => setTimeout(resolve, ms)), now = () => performance.now() }: BusyWaitOptions): Retry {
  return async (run) => {
    const giveUpAt = now() + busyTimeoutMs;
    for (;;) {
      try {
        return await run();
      } catch (error) {
        if (!isSqliteBusy(error) || now() >= giveUpAt) throw error;
        await pause(BUSY_PAUSE_MS);
      }
    }
  };
}

/**
 * Prisma's better-sqlite3 adapter runs every query on its one connection, and locks only
 * transactions against each other: a query from outside an interactive transaction, sent while
 * one is open (awaiting between its statements), runs inside it. It then reads that
 * transaction's uncommitted rows, and its own writes vanish if the transaction rolls back (a
 * decision batch aborted at its deadline would take an acknowledged erasure or API key with
 * it). This wrapper makes each outside query wait until no transaction is open. Code inside a
 * transaction must use the transaction's client, never the outer one: the outer one would wait
 * for the transaction, which waits for it (it would be wrong on PostgreSQL too).
 *
 * It also waits for SQLite's write lock without blocking the event loop (see busyRetry), which
 * is why it opens the connection itself, with `timeout: 0`: with a busy timeout of its own,
 * SQLite's handler would sleep on the event loop's thread first. A statement is run again
 * only where SQLite's handler would have waited: outside a transaction, or as a transaction's
 * first statement. Later in a transaction, SQLite answers SQLITE_BUSY at once (the transaction
 * holds a snapshot that waiting cannot make current), and so does this.
 */
export class SerializedSqliteAdapterFactory {
  readonly provider = 'sqlite' as const;
  readonly adapterName: string;
  private connected?: { lock: Lock; db: Database };
  private readonly retry: Retry;
  private readonly inner: PrismaBetterSQLite3;

  constructor(file: string, busyWait: BusyWaitOptions = { busyTimeoutMs: 0 }) {
    this.inner = new PrismaBetterSQLite3({ url: file, timeout: 0 });
    this.adapterName = this.inner.adapterName;
    this.retry = busyRetry(busyWait);
  }

  async connect(): Promise<Adapter> {
    const adapter = await this.inner.connect();
    const lock = new Lock();
    // The adapter's connection (better-sqlite3), shared with raw statements below.
    this.connected = { lock, db: (adapter as unknown as { client: Database }).client };
    return serialize(adapter, this.retry, lock);
  }

  /**
   * Runs `work` on Prisma's own connection (its PRAGMAs included), in turn with Prisma's
   * queries and transactions: the backtest replay's prepared reads, without the ORM's per-row
   * cost. `work` is synchronous (better-sqlite3), so nothing else runs on the connection meanwhile.
   */
  async exclusive<T>(work: (db: Database) => T): Promise<T> {
    if (!this.connected) throw new Error('the SQLite connection is not open yet (PrismaService connects it at start-up)');
    const { lock, db } = this.connected;
    const release = await lock.acquire();
    try {
      return work(db);
    } finally {
      release();
    }
  }

  async connectToShadowDb(): Promise<Adapter> {
    return serialize(await this.inner.connectToShadowDb(), this.retry);
  }
}

/** The adapter with its queries behind one lock (Object.create keeps its other properties; methods are bound, for its private fields). */
function serialize(adapter: Adapter, retry: Retry, lock = new Lock()): Adapter {
  const outside =
    <A extends unknown[], R>(run: (...args: A) => Promise<R>) =>
    async (...args: A): Promise<R> => {
      const release = await lock.acquire();
      try {
        return await retry(() => run(...args));
      } finally {
        release();
      }
    };
  const startTransaction = async (...args: Parameters<Adapter['startTransaction']>): Promise<Transaction> => {
    const release = await lock.acquire();
    let transaction: Transaction;
    try {
      transaction = await adapter.startTransaction(...args);
    } catch (error) {
      release();
      throw error;
    }
    // Held until the transaction ends, whichever way: then outside queries run again.
    const end = (finish: () => Promise<void>) => async () => {
      try {
        await finish();
      } finally {
        release();
      }
    };
    // Prisma's BEGIN is DEFERRED: the first statement takes the locks, and may wait for them.
    let begun = false;
    const statement =
      <A extends unknown[], R>(run: (...args: A) => Promise<R>) =>
      async (...args: A): Promise<R> => {
        const result = begun ? await run(...args) : await retry(() => run(...args));
        begun = true;
        return result;
      };
    return Object.assign(Object.create(transaction) as Transaction, {
      queryRaw: statement(transaction.queryRaw.bind(transaction)),
      executeRaw: statement(transaction.executeRaw.bind(transaction)),
      commit: end(() => transaction.commit()),
      rollback: end(() => transaction.rollback()),
    });
  };
  return Object.assign(Object.create(adapter) as Adapter, {
    queryRaw: outside(adapter.queryRaw.bind(adapter)),
    executeRaw: outside(adapter.executeRaw.bind(adapter)),
    executeScript: outside(adapter.executeScript.bind(adapter)),
    startTransaction,
    dispose: adapter.dispose.bind(adapter),
    ...(adapter.getConnectionInfo ? { getConnectionInfo: adapter.getConnectionInfo.bind(adapter) } : {}),
  });
}
