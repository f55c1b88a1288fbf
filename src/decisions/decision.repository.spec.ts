import { PrismaService } from '../prisma/prisma.service';
import { DecisionRepository } from './decision.repository';

const HOUR = 3_600_000;
const FROM = new Date('2026-06-15T09:00:00Z');

type GroupByArgs = { where: { useCase?: string; createdAt: { gte: Date; lt: Date } } };

/**
 * A stand-in for Prisma's decision delegate: groupBy counts the rows of its createdAt range,
 * recording how many counts are in flight at once and what ran between them. The real
 * queries run on SQLite and PostgreSQL in test/explorer-api.e2e-spec.ts.
 */
function fakeDatabase(rows: { createdAt: Date; outcome: string; useCase: string }[], io: () => Promise<void>) {
  const events: string[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  const decision = {
    groupBy: async ({ where }: GroupByArgs) => {
      events.push(`count ${(where.createdAt.gte.getTime() - FROM.getTime()) / HOUR}`);
      maxInFlight = Math.max(maxInFlight, ++inFlight);
      try {
        await io();
        const inRange = rows.filter((row) => row.createdAt >= where.createdAt.gte && row.createdAt < where.createdAt.lt && (where.useCase === undefined || row.useCase === where.useCase));
        const outcomes = [...new Set(inRange.map((row) => row.outcome))];
        return outcomes.map((outcome) => ({ outcome, _count: { _all: inRange.filter((row) => row.outcome === outcome).length } }));
      } finally {
        inFlight--;
      }
    },
  };
  const prisma = { ready: Promise.resolve(), client: { decision } } as unknown as PrismaService;
  return { repository: new DecisionRepository(prisma), events, maxInFlight: () => maxInFlight };
}

const at = (iso: string, outcome: string, useCase = 'onboarding') => ({ createdAt: new Date(iso), outcome, useCase });
const ROWS = [at('2026-06-15T09:10:00Z', 'ALLOW'), at('2026-06-15T09:50:00Z', 'REVIEW'), at('2026-06-15T11:30:00Z', 'CHALLENGE'), at('2026-06-15T11:59:59Z', 'REVIEW', 'p2p_recipient')];
const zero = { ALLOW: 0, CHALLENGE: 0, REVIEW: 0, BLOCK: 0 };
/** A query that resolves on a later turn of the event loop, as one through a driver does. */
const slowIo = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('DecisionRepository.outcomeCounts', () => {
  it('counts each bucket, oldest first, with empty buckets as zeros', async () => {
    const db = fakeDatabase(ROWS, slowIo);
    expect(await db.repository.outcomeCounts(undefined, FROM, HOUR, 3)).toEqual([
      { start: new Date('2026-06-15T09:00:00Z'), counts: { ...zero, ALLOW: 1, REVIEW: 1 } },
      { start: new Date('2026-06-15T10:00:00Z'), counts: zero },
      { start: new Date('2026-06-15T11:00:00Z'), counts: { ...zero, CHALLENGE: 1, REVIEW: 1 } },
    ]);
    expect((await db.repository.outcomeCounts('onboarding', FROM, 3 * HOUR, 1))[0].counts).toEqual({ ...zero, ALLOW: 1, REVIEW: 1, CHALLENGE: 1 });
  });

  it('runs one count query at a time: a 200-bucket request never has two in flight', async () => {
    const db = fakeDatabase(ROWS, slowIo);
    const buckets = await db.repository.outcomeCounts(undefined, FROM, HOUR, 200);
    expect(buckets).toHaveLength(200);
    expect(db.events).toHaveLength(200);
    expect(db.maxInFlight()).toBe(1);
  });

  it('lets other work run between two counts, even when a query answers at once', async () => {
    const db = fakeDatabase(ROWS, async () => undefined);
    // Queued behind the first count, as a live request arriving during it would be.
    const counting = db.repository.outcomeCounts(undefined, FROM, HOUR, 3);
    setImmediate(() => db.events.push('live request'));
    await counting;
    expect(db.events).toEqual(['count 0', 'live request', 'count 1', 'count 2']);
  });
});
