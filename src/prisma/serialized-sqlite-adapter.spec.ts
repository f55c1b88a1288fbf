import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PrismaBetterSQLite3 } from '@prisma/adapter-better-sqlite3';
import Database from 'better-sqlite3';
import { asDatabaseUnavailable } from '../common/errors/database-unavailable';
import { UnavailableError } from '../common/errors/domain.error';
import { PrismaClient } from './generated/sqlite/client';
import { applyMigrations, readMigrations } from './migrator';
import { BUSY_PAUSE_MS, BusyWaitOptions, SerializedSqliteAdapterFactory } from './serialized-sqlite-adapter';

const MIGRATIONS = join(__dirname, '..', '..', 'prisma', 'sqlite', 'migrations');
/**
 * Inside the transaction: gives the outside query time to run, up to its end (then it ran inside
 * the transaction) or 200 ms (it is waiting for the transaction, as it must).
 */
const settledOrWaiting = (outside: Promise<unknown>) => Promise.race([outside.catch(() => undefined), new Promise((resolve) => setTimeout(resolve, 200))]);

/** A row of a small table every schema has: a rate-limit window. */
const row = (apiKeyId: string) => ({ data: { apiKeyId, windowStart: 1n, count: 1 } });

describe.each([
  ['Prisma\'s adapter alone (the bug)', false],
  ['SerializedSqliteAdapterFactory', true],
])('one SQLite connection with an open interactive transaction: %s', (_, serialized) => {
  let file: string;
  let client: PrismaClient;

  beforeEach(async () => {
    file = join(tmpdir(), `linetrust-serialized-${process.pid}-${Math.random().toString(36).slice(2)}.db`);
    await applyMigrations({ provider: 'sqlite', file }, readMigrations(MIGRATIONS));
    client = new PrismaClient({ adapter: serialized ? new SerializedSqliteAdapterFactory(file) : new PrismaBetterSQLite3({ url: file }) });
  });
  afterEach(async () => {
    await client.$disconnect();
    for (const extra of ['', '-wal', '-shm', '-journal']) rmSync(`${file}${extra}`, { force: true });
  });

  /** A transaction that writes, waits (as one awaiting a deadline check does), then rolls back. */
  async function rolledBackTransaction(duringIt: () => Promise<void>): Promise<void> {
    await client
      .$transaction(async (tx) => {
        await tx.rateLimitWindow.create(row('inside'));
        await duringIt();
        throw new Error('rolled back');
      })
      .catch((error: Error) => expect(error.message).toBe('rolled back'));
  }

  it('keeps a write made outside the transaction when the transaction rolls back', async () => {
    let outside: Promise<unknown> = Promise.resolve();
    await rolledBackTransaction(async () => {
      outside = client.rateLimitWindow.create(row('outside'));
      await settledOrWaiting(outside);
    });
    await outside;
    const kept = (await client.rateLimitWindow.findMany()).map((window) => window.apiKeyId);
    if (serialized) expect(kept).toEqual(['outside']);
    else expect(kept).toEqual([]); // what the wrapper exists for: an acknowledged write lost
  });

  it('never shows a read outside the transaction its uncommitted rows', async () => {
    let seen: Promise<number> = Promise.resolve(-1);
    await rolledBackTransaction(async () => {
      seen = client.rateLimitWindow.count();
      await settledOrWaiting(seen);
    });
    expect(await seen).toBe(serialized ? 0 : 1);
  });

  it('lets transactions and outside queries go on after a rollback and a commit', async () => {
    await rolledBackTransaction(async () => {
      await settledOrWaiting(Promise.resolve());
    });
    await client.$transaction(async (tx) => {
      await tx.rateLimitWindow.create(row('committed'));
    });
    await client.rateLimitWindow.create(row('after'));
    expect((await client.rateLimitWindow.findMany({ orderBy: { apiKeyId: 'asc' } })).map((window) => window.apiKeyId)).toEqual(['after', 'committed']);
  });
});

/**
 * Prisma's connection with no busy timeout of SQLite's own, against a second connection holding
 * the write lock (the decision writer's thread, another process). Pauses are recorded and move
 * a fake clock, except where the test is about the real timer.
 */
describe('SerializedSqliteAdapterFactory waiting for another connection\'s write lock', () => {
  let file: string;
  let holder: Database.Database;
  let client: PrismaClient;
  let clock: number;
  let pauses: number[];
  let duringPause: (n: number) => void;

  const connect = (options: BusyWaitOptions) =>
    new PrismaClient({ adapter: new SerializedSqliteAdapterFactory(file, options) });
  const recorded = (busyTimeoutMs: number): BusyWaitOptions => ({
    busyTimeoutMs,
    now: () => clock,
    pause: async (ms) => {
      pauses.push(ms);
      duringPause(pauses.length);
      clock += ms;
      await new Promise((resolve) => setImmediate(resolve));
    },
  });
  const stored = () => (holder.prepare('SELECT "apiKeyId" FROM "RateLimitWindow" ORDER BY "apiKeyId"').all() as { apiKeyId: string }[]).map((r) => r.apiKeyId);
  const lockHeld = () => holder.exec('BEGIN IMMEDIATE');

  beforeEach(async () => {
    file = join(tmpdir(), `linetrust-busy-${process.pid}-${Math.random().toString(36).slice(2)}.db`);
    await applyMigrations({ provider: 'sqlite', file }, readMigrations(MIGRATIONS));
    holder = new Database(file);
    clock = 0;
    pauses = [];
    duringPause = () => undefined;
  });
  afterEach(async () => {
    await client.$disconnect();
    if (holder.inTransaction) holder.exec('ROLLBACK');
    holder.close();
    for (const extra of ['', '-wal', '-shm', '-journal']) rmSync(`${file}${extra}`, { force: true });
  });

  it('lets the event loop run while a write waits: a timer releases the lock, and the write then succeeds', async () => {
    client = connect({ busyTimeoutMs: 5000 });
    await client.rateLimitWindow.count(); // connected before the lock is taken
    lockHeld();
    let timerRan = false;
    // With SQLite's own handler this timer could not fire before the 5 s ran out (the thread sleeps).
    setTimeout(() => {
      timerRan = true;
      holder.exec('COMMIT');
    }, 20);
    await client.rateLimitWindow.create(row('after-wait'));
    expect(timerRan).toBe(true);
    expect(stored()).toEqual(['after-wait']);
  });

  it('pauses 1 ms between tries and gives up at the busy timeout with SQLITE_BUSY, a 503 for the API, having stored nothing', async () => {
    client = connect(recorded(10));
    lockHeld();
    const error = await client.rateLimitWindow.create(row('refused')).catch((e: unknown) => e);
    expect(pauses).toEqual(Array(10).fill(BUSY_PAUSE_MS));
    expect(BUSY_PAUSE_MS).toBe(1);
    expect(asDatabaseUnavailable(error)).toBeInstanceOf(UnavailableError);
    holder.exec('ROLLBACK');
    expect(stored()).toEqual([]);
  });

  it('does not run again a statement that failed for another reason', async () => {
    client = connect(recorded(10));
    await client.rateLimitWindow.create(row('twice'));
    await expect(client.rateLimitWindow.create(row('twice'))).rejects.toThrow(/Unique constraint/);
    expect(pauses).toEqual([]);
  });

  it('waits for a transaction\'s first statement, as SQLite would, and the transaction commits', async () => {
    client = connect(recorded(100));
    lockHeld();
    duringPause = (n) => n === 3 && holder.exec('COMMIT');
    await client.$transaction(async (tx) => {
      await tx.rateLimitWindow.create(row('first'));
      await tx.rateLimitWindow.create(row('second'));
    });
    expect(pauses).toHaveLength(3);
    expect(stored()).toEqual(['first', 'second']);
  });

  it('fails at once, as SQLite does, a write after the transaction has read: waiting would not make its snapshot current', async () => {
    client = connect(recorded(100));
    const error = await client
      .$transaction(async (tx) => {
        await tx.rateLimitWindow.count();
        lockHeld();
        await tx.rateLimitWindow.create(row('inside'));
      })
      .catch((e: unknown) => e);
    expect(asDatabaseUnavailable(error)).toBeInstanceOf(UnavailableError);
    expect(pauses).toEqual([]);
    holder.exec('ROLLBACK');
    expect(stored()).toEqual([]);
  });
});
