import { Client } from 'pg';
import { DecisionRepository } from '../src/decisions/decision.repository';
import { PrismaService } from '../src/prisma/prisma.service';
import { NOW, TEST_LINES } from './support/lines';
import { TestDatabase } from './support/test-database';
import { stallProbes } from './support/decide-under-stall';
import { startTestApp, TestApp } from './support/test-app';

/** Another connection holding the Decision table, as a stalled or locked database does. */
interface Stall {
  /** How many transactions wait for the lock. */
  waiting(): Promise<number>;
  release(): Promise<void>;
}

async function stallDecisions(database: TestDatabase): Promise<Stall> {
  const url = new URL(database.url);
  const schema = url.searchParams.get('schema') as string;
  url.searchParams.delete('schema');
  const client = new Client({ connectionString: url.toString() });
  await client.connect();
  const table = `"${schema}"."Decision"`;
  await client.query('BEGIN');
  await client.query(`LOCK TABLE ${table} IN ACCESS EXCLUSIVE MODE`);
  return {
    waiting: async () => (await client.query<{ n: number }>(`SELECT count(*)::int AS n FROM pg_locks WHERE relation = '${table}'::regclass AND NOT granted`)).rows[0].n,
    release: async () => {
      await client.query('ROLLBACK');
      await client.end();
    },
  };
}

async function until(condition: () => Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (await condition()) return;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`gave up waiting: ${what}`);
}

const DEADLINE_MS = 300;
const WRITE_BUDGET_MS = 300;

/**
 * PostgreSQL only. On SQLite better-sqlite3 waits for a lock synchronously, freezing the whole
 * process, so the lock must be held by another process: sqlite-stall.e2e-spec.ts. The rest of
 * SQLite's side (a queued write dropped at its deadline, a started one awaited) is tested in
 * group-commit.spec.ts.
 */
const onPostgres = process.env.DATABASE_URL?.startsWith('postgres') ? describe : describe.skip;

onPostgres('Bounded answers: a decision the database cannot commit in time (e2e)', () => {
  let t: TestApp;
  const prisma = () => t.app.get(PrismaService).client;
  const { decide, stored } = stallProbes(() => t);

  beforeAll(async () => {
    t = await startTestApp({ lines: TEST_LINES, now: NOW, env: { DECISION_DEADLINE_MS: String(DEADLINE_MS), DECISION_WRITE_BUDGET_MS: String(WRITE_BUDGET_MS) } });
  });
  afterAll(async () => {
    await t.close();
  });

  it('answers 503 UNAVAILABLE with Retry-After while the table is locked, stores none of those, and stores the ones after', async () => {
    await decide('warm-up').expect(201);
    const stall = await stallDecisions(t.database);
    let answers: Awaited<ReturnType<typeof decide>>[];
    try {
      // Concurrent ones share a group commit; two go the Idempotency-Key way (their own transaction).
      answers = await Promise.all([
        ...Array.from({ length: 5 }, (_, i) => decide(`stalled-${i}`)),
        decide('stalled-key-a', 'stall-a'),
        decide('stalled-key-b', 'stall-b'),
      ]);
      // Answered while the lock is still held: nobody waited for the database. On PostgreSQL the
      // refused writes do not wait for the lock either: the server cancelled them, so none can
      // commit once it is released.
      await until(async () => (await stall.waiting()) === 0, 'refused writes still waiting for the lock');
    } finally {
      await stall.release();
    }
    for (const answer of answers) {
      expect({ status: answer.status, retryAfter: answer.headers['retry-after'] }).toEqual({ status: 503, retryAfter: '1' });
      expect(answer.headers['content-type']).toMatch(/^application\/json/);
      expect(answer.body).toEqual({ status: 503, code: 'UNAVAILABLE', message: 'The decision could not be stored in time, so it was not made; retry later.' });
      expect(answer.headers['x-correlator']).toEqual(expect.any(String));
    }

    // Whatever was still in flight has settled (committed or rolled back): then count.
    await (t.app.get(DecisionRepository) as unknown as { writer: { drained(): Promise<void> } }).writer.drained();
    const after = await decide('after-stall').expect(201);
    await t.http().get(`/v1/decisions/${after.body.id}`).expect(200);
    expect(await stored('stalled')).toBe(0);
    expect(await stored('after-stall')).toBe(1);

    // A refused Idempotency-Key request freed its key: the retry decides, once.
    await until(async () => (await prisma().idempotencyRecord.count({ where: { key: 'stall-a', decisionId: null } })) === 0, 'claim of the refused request released');
    const retry = await decide('stalled-key-a', 'stall-a').expect(201);
    expect(retry.headers['idempotent-replayed']).toBeUndefined();
    expect(await stored('stalled-key-a')).toBe(1);
  });
});
