import { PrismaBetterSQLite3 } from '@prisma/adapter-better-sqlite3';
import type { Database } from 'better-sqlite3';

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

/**
 * Prisma's better-sqlite3 adapter runs every query on its one connection, and locks only
 * transactions against each other: a query from outside an interactive transaction, sent while
 * one is open (awaiting between its statements), runs inside it. It then reads that
 * transaction's uncommitted rows, and its own writes vanish if the transaction rolls back (a
 * decision batch aborted at its deadline would take an acknowledged erasure or API key with
 * it). This wrapper makes each outside query wait until no transaction is open. Code inside a
 * transaction must use the transaction's client, never the outer one: the outer one would wait
 * for the transaction, which waits for it (it would be wrong on PostgreSQL too).
 */
export class SerializedSqliteAdapterFactory {
  readonly provider = 'sqlite' as const;
  readonly adapterName: string;
  private connected?: { lock: Lock; db: Database };

  constructor(private readonly inner: PrismaBetterSQLite3) {
    this.adapterName = inner.adapterName;
  }

  async connect(): Promise<Adapter> {
    const adapter = await this.inner.connect();
    const lock = new Lock();
    // The adapter's connection (better-sqlite3), shared with raw statements below.
    this.connected = { lock, db: (adapter as unknown as { client: Database }).client };
    return serialize(adapter, lock);
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
    return serialize(await this.inner.connectToShadowDb());
  }
}

/** The adapter with its queries behind one lock (Object.create keeps its other properties; methods are bound, for its private fields). */
function serialize(adapter: Adapter, lock = new Lock()): Adapter {
  const outside =
    <A extends unknown[], R>(run: (...args: A) => Promise<R>) =>
    async (...args: A): Promise<R> => {
      const release = await lock.acquire();
      try {
        return await run(...args);
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
    return Object.assign(Object.create(transaction) as Transaction, {
      queryRaw: transaction.queryRaw.bind(transaction),
      executeRaw: transaction.executeRaw.bind(transaction),
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
