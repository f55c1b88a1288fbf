import { uuidv7 } from '../common/ids/uuid7';
import { PrismaService } from '../prisma/prisma.service';
import { PrivacyRepository } from './privacy.repository';

type Op = { table: 'decision' | 'idempotency'; ids: string[] };

type FindArgs = { where: { id?: { lt: string } }; orderBy?: { id: 'asc' | 'desc' }; take: number };

/** Like a database, sorts only when asked: rows are kept newest first, so a query without orderBy gets them in that order. */
function sortedBy<T>(rows: T[], key: (row: T) => string | number, direction: 'asc' | 'desc' | undefined): T[] {
  if (direction === undefined) return rows;
  const sign = direction === 'asc' ? 1 : -1;
  return [...rows].sort((a, b) => (key(a) < key(b) ? -sign : key(a) > key(b) ? sign : 0));
}

/**
 * A stand-in for Prisma that records each transaction (one per batch) and what ran between
 * them. It honours findMany's orderBy, take and id bound (not the erasure's subjectId or
 * phoneNumberHash: every row matches those). The real queries run on SQLite and PostgreSQL in
 * test/privacy.e2e-spec.ts.
 */
function fakeDatabase(decisionIds: string[], idempotencyRecordsPerDecision = 1) {
  let decisions = [...decisionIds].sort().reverse();
  const events: string[] = [];
  const statements: Op[] = [];
  const client = {
    decision: {
      findMany: async ({ where, orderBy, take }: FindArgs) => {
        const bound = where.id?.lt;
        const matching = decisions.filter((id) => bound === undefined || id < bound);
        return sortedBy(matching, (id) => id, orderBy?.id)
          .slice(0, take)
          .map((id) => ({ id }));
      },
      deleteMany: ({ where }: { where: { id: { in: string[] } } }): Op => ({ table: 'decision', ids: where.id.in }),
    },
    idempotencyRecord: {
      deleteMany: ({ where }: { where: { decisionId: { in: string[] } } }): Op => ({ table: 'idempotency', ids: where.decisionId.in }),
    },
    // No decision here went to review: the erasure of cases runs on real stores in test/privacy.e2e-spec.ts.
    case: { findMany: async () => [] },
    $transaction: async (ops: Op[]) => {
      statements.push(...ops);
      events.push(`batch of ${ops.filter((op) => op.table === 'decision').reduce((n, op) => n + op.ids.length, 0)}`);
      return ops.map((op) => {
        if (op.table === 'idempotency') return { count: op.ids.length * idempotencyRecordsPerDecision };
        const before = decisions.length;
        decisions = decisions.filter((id) => !op.ids.includes(id));
        return { count: before - decisions.length };
      });
    },
  };
  const prisma = { ready: Promise.resolve(), client } as unknown as PrismaService;
  const deleted = () => statements.filter((op) => op.table === 'decision').map((op) => op.ids);
  return { repository: new PrivacyRepository(prisma), events, statements, deleted, remaining: () => [...decisions].sort() };
}

const ids = (n: number, from = Date.parse('2025-01-01T00:00:00Z')) => Array.from({ length: n }, (_, i) => uuidv7(from + i * 1000));

describe('PrivacyRepository batching', () => {
  it('deletes 2.5 batch sizes in 3 batches, oldest first, and counts every row', async () => {
    const all = ids(25);
    const db = fakeDatabase(all, 2);
    const removed = await db.repository.purgeDecisionsBefore(new Date('2026-01-01T00:00:00Z'), { batchSize: 10 });
    expect(db.events).toEqual(['batch of 10', 'batch of 10', 'batch of 5']);
    expect(db.deleted()).toEqual([all.slice(0, 10), all.slice(10, 20), all.slice(20)]);
    expect(removed).toEqual({ decisions: 25, idempotencyKeys: 50 });
    expect(db.remaining()).toEqual([]);
  });

  it('purges only the decisions made before the cutoff', async () => {
    const all = ids(25);
    const db = fakeDatabase(all);
    // ids(25) are one second apart: the cutoff falls at the 16th.
    expect(await db.repository.purgeDecisionsBefore(new Date(Date.parse('2025-01-01T00:00:00Z') + 15_000), { batchSize: 10 })).toEqual({ decisions: 15, idempotencyKeys: 15 });
    expect(db.deleted()).toEqual([all.slice(0, 10), all.slice(10, 15)]);
    expect(db.remaining()).toEqual(all.slice(15));
  });

  it('lets other work run between two batches (a live request is not held up by a long purge)', async () => {
    const db = fakeDatabase(ids(30));
    // Queued behind the first batch, as a request arriving during it would be.
    const first = db.repository.eraseDecisions({ subjectId: 'customer-1' }, { batchSize: 10 });
    setImmediate(() => db.events.push('live request'));
    await first;
    expect(db.events).toEqual(['batch of 10', 'live request', 'batch of 10', 'batch of 10']);
  });

  it('ends on an empty batch when the rows fill whole batches', async () => {
    const db = fakeDatabase(ids(20));
    expect(await db.repository.eraseDecisions({ phoneNumberHash: 'h' }, { batchSize: 10 })).toEqual({ decisions: 20, idempotencyKeys: 20 });
    expect(db.events).toEqual(['batch of 10', 'batch of 10']);
  });

  it('sends large batches as id lists of at most 500 (SQLite binds 999 values at most), in one transaction', async () => {
    const db = fakeDatabase(ids(1200));
    expect(await db.repository.purgeDecisionsBefore(new Date('2026-01-01T00:00:00Z'), { batchSize: 1200 })).toEqual({ decisions: 1200, idempotencyKeys: 1200 });
    expect(db.events).toEqual(['batch of 1200']);
    expect(db.statements.map((op) => `${op.table} ${op.ids.length}`)).toEqual([
      'idempotency 500',
      'idempotency 500',
      'idempotency 200',
      'decision 500',
      'decision 500',
      'decision 200',
    ]);
  });

  it('stops after the current batch once the signal is aborted, counting what it removed', async () => {
    const db = fakeDatabase(ids(30));
    const stop = new AbortController();
    const running = db.repository.purgeDecisionsBefore(new Date('2026-01-01T00:00:00Z'), { batchSize: 10, signal: stop.signal });
    stop.abort();
    expect(await running).toEqual({ decisions: 10, idempotencyKeys: 10 });
    expect(db.remaining()).toHaveLength(20);
  });
});

describe('PrivacyRepository idempotency TTL', () => {
  it('deletes expired records in batches up to each batch newest createdAt', async () => {
    // Newest first: only the query's orderBy makes the batches oldest first.
    let rows = Array.from({ length: 7 }, (_, i) => new Date(Date.UTC(2026, 0, 1, i))).reverse();
    const deletes: Date[] = [];
    const client = {
      idempotencyRecord: {
        findMany: async ({ take, where, orderBy }: { take: number; where: { createdAt: { lt: Date } }; orderBy?: { createdAt: 'asc' | 'desc' } }) =>
          sortedBy(
            rows.filter((at) => at < where.createdAt.lt),
            (at) => at.getTime(),
            orderBy?.createdAt,
          )
            .slice(0, take)
            .map((createdAt) => ({ createdAt })),
        deleteMany: async ({ where }: { where: { createdAt: { lt: Date; lte: Date } } }) => {
          deletes.push(where.createdAt.lte);
          const before = rows.length;
          rows = rows.filter((at) => !(at < where.createdAt.lt && at <= where.createdAt.lte));
          return { count: before - rows.length };
        },
      },
    };
    const repository = new PrivacyRepository({ ready: Promise.resolve(), client } as unknown as PrismaService);
    expect(await repository.purgeIdempotencyKeysBefore(new Date(Date.UTC(2026, 0, 1, 5)), { batchSize: 2 })).toBe(5);
    expect(deletes.map((at) => at.getUTCHours())).toEqual([1, 3, 4]);
    expect(rows.map((at) => at.getUTCHours()).sort()).toEqual([5, 6]);
  });
});
