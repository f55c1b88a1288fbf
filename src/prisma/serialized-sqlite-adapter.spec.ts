import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PrismaBetterSQLite3 } from '@prisma/adapter-better-sqlite3';
import { PrismaClient } from './generated/sqlite/client';
import { applyMigrations, readMigrations } from './migrator';
import { SerializedSqliteAdapterFactory } from './serialized-sqlite-adapter';

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
    const adapter = new PrismaBetterSQLite3({ url: file });
    client = new PrismaClient({ adapter: serialized ? new SerializedSqliteAdapterFactory(adapter) : adapter });
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
