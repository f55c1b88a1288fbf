import { ChildProcess, spawn } from 'node:child_process';
import { DecisionRepository } from '../src/decisions/decision.repository';
import { NOW, TEST_LINES } from './support/lines';
import { stallProbes } from './support/decide-under-stall';
import { startTestApp, TestApp } from './support/test-app';

/**
 * SQLite only: another process (the CLI, a second instance on the same file) holds the write
 * lock. better-sqlite3 waits for it synchronously, so the lock must be held by a process of its
 * own (one in this process could never release it) and released on that process's own timer.
 * PostgreSQL's side is bounded-answers.e2e-spec.ts.
 */
const onSqlite = process.env.DATABASE_URL?.startsWith('postgres') ? describe.skip : describe;

/** A process that takes SQLite's write lock, says so, and releases it by exiting after `holdMs`. */
async function holdWriteLock(file: string, holdMs: number): Promise<ChildProcess> {
  const script = `
    const Database = require('better-sqlite3');
    const db = new Database(process.argv[1]);
    db.exec('BEGIN IMMEDIATE');
    process.stdout.write('locked\\n');
    setTimeout(() => { db.exec('ROLLBACK'); db.close(); process.exit(0); }, Number(process.argv[2]));
  `;
  const child = spawn(process.execPath, ['-e', script, file, String(holdMs)], { cwd: `${__dirname}/..`, stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve, reject) => {
    child.stdout?.on('data', (chunk: Buffer) => chunk.toString().includes('locked') && resolve());
    child.once('exit', (code) => reject(new Error(`the lock holder exited (${code}) before locking`)));
  });
  return child;
}

onSqlite('Bounded answers on SQLite: another process holds the write lock (e2e)', () => {
  let t: TestApp;
  const { decide, stored } = stallProbes(() => t);

  beforeAll(async () => {
    t = await startTestApp({ lines: TEST_LINES, now: NOW, env: { DECISION_DEADLINE_MS: '300', DECISION_WRITE_BUDGET_MS: '200' } });
  });
  afterAll(async () => {
    await t.close();
  });

  it('answers 503 UNAVAILABLE with Retry-After, stores none of them, and decides again once the lock is gone', async () => {
    // Compared whole, so that a failure shows the error's body (it once read 503 under a full run's load).
    const warm = await decide('warm-up');
    expect({ status: warm.status, body: warm.status === 201 ? undefined : warm.body }).toEqual({ status: 201, body: undefined });
    const file = t.database.url.replace(/^file:/, '');
    // Held far longer than the write budget: the writes must give up, not wait it out.
    const holder = await holdWriteLock(file, 3000);
    const exited = new Promise((resolve) => holder.once('exit', resolve));
    let answers: Awaited<ReturnType<typeof decide>>[];
    try {
      answers = await Promise.all([decide('stalled-1'), decide('stalled-2'), decide('stalled-key', 'sqlite-stall')]);
    } finally {
      await exited;
    }
    for (const answer of answers) {
      expect({ status: answer.status, retryAfter: answer.headers['retry-after'], body: answer.body }).toEqual({
        status: 503,
        retryAfter: '1',
        body: { status: 503, code: 'UNAVAILABLE', message: expect.any(String) },
      });
      expect(answer.body.message).not.toMatch(/SQLITE|prisma|\/src\//i);
    }

    await (t.app.get(DecisionRepository) as unknown as { writer: { drained(): Promise<void> } }).writer.drained();
    expect(await stored('stalled')).toBe(0);
    await decide('after-stall').expect(201);
    expect(await stored('after-stall')).toBe(1);
    // The refused Idempotency-Key request left its key free: the retry decides, once.
    const retry = await decide('stalled-key', 'sqlite-stall').expect(201);
    expect(retry.headers['idempotent-replayed']).toBeUndefined();
    expect(await stored('stalled-key')).toBe(1);
  });
});
