import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Deadline, DeadlineExceededError, WriteAttempt } from '../common/batching/write-attempt';
import { PACKAGE_ROOT } from '../config/package-root';
import { applyMigrations, readMigrations } from '../prisma/migrator';
import { DecisionWrite } from './attached-rows';
import { CommitEvent, CommitListeners } from './commit-listeners';
import { toRow } from './decision-rows';
import { DecisionRecord } from './decision.types';
import { SqliteDecisionWriter, WRITER_HEAP } from './sqlite-decision-writer';

/**
 * The writer's thread against a migrated database file. The test's own connection takes the
 * write lock to hold a batch mid-flight: the thread waits for it (busy timeout), the test's
 * thread does not, which is the point of the writer having a thread.
 */
describe('SqliteDecisionWriter (its own thread and connection)', () => {
  let folder: string;
  let file: string;
  let db: Database.Database;
  let writer: SqliteDecisionWriter;

  beforeEach(async () => {
    folder = mkdtempSync(join(tmpdir(), 'linetrust-writer-'));
    file = join(folder, 'test.db');
    await applyMigrations({ provider: 'sqlite', file }, readMigrations(join(PACKAGE_ROOT, 'prisma', 'sqlite', 'migrations')));
    db = new Database(file);
    writer = new SqliteDecisionWriter({ file, busyTimeoutMs: 10_000 });
  });
  afterEach(async () => {
    if (db.inTransaction) db.exec('ROLLBACK');
    db.close();
    await writer.close();
    rmSync(folder, { recursive: true, force: true });
  });

  const write = (id: string): DecisionWrite => {
    const record: DecisionRecord = {
      id,
      createdAt: new Date('2026-06-15T11:59:58.123Z'),
      useCase: 'onboarding',
      outcome: 'ALLOW',
      score: 0,
      reasons: [],
      signals: [],
      policyId: 'onboarding',
      policyVersion: '0123456789abcdef',
      phoneNumberHash: 'a'.repeat(64),
      phoneNumberMasked: '+34******001',
      correlator: 'corr-1',
      apiKeyId: 'key-1',
    };
    return { decision: toRow(record) };
  };
  const stored = () => (db.prepare('SELECT id FROM "Decision" ORDER BY id').all() as { id: string }[]).map((row) => row.id);
  const attempt = () => new WriteAttempt(Deadline.in(60_000));
  /** The test's connection takes the write lock: the thread's next batch waits for it. */
  const lockHeld = () => db.exec('BEGIN IMMEDIATE');
  const settle = <T>(promise: Promise<T>) => promise.then(
    (value) => ({ value }),
    (error: Error) => ({ error }),
  );
  /** Long enough for a message to reach the thread; the assertions do not depend on it being exact. */
  const reachThread = () => new Promise((resolve) => setTimeout(resolve, 50));

  it('stores a batch durably before it resolves, and a second batch after it', async () => {
    await writer.insertMany([write('d1'), write('d2')], attempt());
    expect(stored()).toEqual(['d1', 'd2']);
    await writer.insertMany([write('d3')], attempt());
    expect(stored()).toEqual(['d1', 'd2', 'd3']);
  });

  it('runs its thread with a bounded young generation, which V8 would otherwise grow to 32 MB and keep', async () => {
    await writer.insertMany([write('d1')], attempt());
    const { thread } = writer as unknown as { thread: { resourceLimits?: { maxYoungGenerationSizeMb: number } } };
    expect(thread.resourceLimits?.maxYoungGenerationSizeMb).toBe(WRITER_HEAP.maxYoungGenerationSizeMb);
    expect(WRITER_HEAP.maxYoungGenerationSizeMb).toBeLessThanOrEqual(8);
  });

  it('starts while another connection holds the file exclusively: the first write waits for the lock, and succeeds', async () => {
    // Exclusive locking mode keeps even readers out, as a connection recovering the WAL does;
    // it holds the lock until it closes.
    const exclusive = new Database(file);
    exclusive.pragma('locking_mode = EXCLUSIVE');
    exclusive.exec('BEGIN EXCLUSIVE; COMMIT');
    writer.warmUp();
    // Long enough for the thread to start (70-100 ms) and meet the lock while it sets up.
    await new Promise((resolve) => setTimeout(resolve, 600));
    exclusive.close();
    await writer.insertMany([write('d1')], attempt());
    expect(stored()).toEqual(['d1']);
  });

  it('warmUp() starts the thread before the first write, which then finds it running; not once closed', async () => {
    const threadOf = (w: SqliteDecisionWriter) => (w as unknown as { thread?: object }).thread;
    expect(threadOf(writer)).toBeUndefined();
    writer.warmUp();
    const started = threadOf(writer);
    expect(started).toBeDefined();
    writer.warmUp();
    await writer.insertMany([write('d1')], attempt());
    expect(threadOf(writer)).toBe(started);
    expect(stored()).toEqual(['d1']);
    await writer.close();
    writer.warmUp();
    expect(threadOf(writer)).toBeUndefined();
  });

  it('reports, per claim, whether it was inserted, and per claimed decision whether it linked', async () => {
    const createdAt = new Date('2026-06-15T11:59:58.000Z');
    const claims = [
      { claim: { apiKeyId: 'key-1', key: 'k1', requestHash: 'h1', createdAt } },
      { claim: { apiKeyId: 'key-1', key: 'k1', requestHash: 'h2', createdAt } },
    ];
    await writer.insertClaims(claims, attempt());
    expect(claims.map((c) => (c as { inserted?: boolean }).inserted)).toEqual([true, false]);

    const linked = { ...write('d1'), claim: { apiKeyId: 'key-1', key: 'k1', createdAt } };
    const stale = { ...write('d2'), claim: { apiKeyId: 'key-1', key: 'k1', createdAt: new Date('2026-06-15T11:00:00.000Z') } };
    await writer.insertMany([linked, stale, write('d3')], attempt());
    expect([linked.linked, stale.linked]).toEqual([true, false]);
    // The stale claim's decision is skipped; the rest of its batch is written.
    expect(stored()).toEqual(['d1', 'd3']);
  });

  it('tells its listeners of each committed batch, timed on the thread with the wait for the lock, and of no failed one', async () => {
    const commits = new CommitListeners();
    const events: CommitEvent[] = [];
    commits.add((event) => events.push(event));
    const timed = new SqliteDecisionWriter({ file, busyTimeoutMs: 10_000 }, commits);
    const impatient = new SqliteDecisionWriter({ file, busyTimeoutMs: 100 }, commits);
    try {
      await timed.insertMany([write('d1'), write('d2')], attempt());
      await timed.insertClaims([{ claim: { apiKeyId: 'key-1', key: 'k1', requestHash: 'h1', createdAt: new Date() } }], attempt());
      expect(events.map((e) => e.kind)).toEqual(['decisions', 'claims']);
      expect(events.every((e) => e.seconds > 0)).toBe(true);
      // Held for 200 ms (real time) before the thread gets the lock: its commit took at least that.
      lockHeld();
      const waited = timed.insertMany([write('d3')], attempt());
      await new Promise((resolve) => setTimeout(resolve, 200));
      db.exec('COMMIT');
      await waited;
      expect(events[2]).toEqual({ kind: 'decisions', seconds: expect.any(Number) });
      expect(events[2].seconds).toBeGreaterThanOrEqual(0.19);
      lockHeld();
      expect(await settle(impatient.insertMany([write('busy')], attempt()))).toEqual({ error: expect.objectContaining({ code: 'SQLITE_BUSY' }) });
      db.exec('ROLLBACK');
      expect(events).toHaveLength(3);
    } finally {
      await timed.close();
      await impatient.close();
    }
  });

  it('aborted while the thread waits for the lock: rejects with the deadline, and stores nothing', async () => {
    await writer.insertMany([write('warm')], attempt());
    lockHeld();
    const late = attempt();
    const result = settle(writer.insertMany([write('late')], late));
    await reachThread();
    expect(late.abort()).toBe(true);
    db.exec('ROLLBACK');
    expect(await result).toEqual({ error: expect.any(DeadlineExceededError) });
    expect(stored()).toEqual(['warm']);
    expect(late.failedInTime()).toBe(false);
  });

  it('a batch the thread has started to commit can no longer be aborted', async () => {
    const first = attempt();
    await writer.insertMany([write('d1')], first);
    expect(first.committing).toBe(true);
    expect(first.abort()).toBe(false);
  });

  it('gives up after the busy timeout with SQLite\'s code, stores nothing, and writes again once the lock is gone', async () => {
    const impatient = new SqliteDecisionWriter({ file, busyTimeoutMs: 100 });
    try {
      lockHeld();
      const failed = attempt();
      const result = await settle(impatient.insertMany([write('busy')], failed));
      expect(result).toEqual({ error: expect.objectContaining({ code: 'SQLITE_BUSY' }) });
      // Known to have stored nothing: the error is the write's own, in time.
      expect(failed.failedInTime()).toBe(true);
      db.exec('ROLLBACK');
      await impatient.insertMany([write('after')], attempt());
      expect(stored()).toEqual(['after']);
    } finally {
      await impatient.close();
    }
  });

  it('the thread lost before it answered: its write fails as unknown (not the deadline), and the next write starts another thread', async () => {
    // Lost while it starts (the only moment a test can take it down safely: a worker terminated
    // inside one of better-sqlite3's calls can abort the whole process, which is also why
    // close() waits for the writes in flight before it stops the thread).
    const result = settle(writer.insertMany([write('lost')], attempt()));
    await (writer as unknown as { thread: { terminate(): Promise<number> } }).thread.terminate();
    const { error } = (await result) as { error: Error };
    expect(error).not.toBeInstanceOf(DeadlineExceededError);
    expect(error.message).toMatch(/outcome of its writes is unknown/);
    await writer.insertMany([write('d2')], attempt());
    expect(stored()).toEqual(['d2']);
  });

  it('close() waits for the writes in flight, then refuses new ones', async () => {
    await writer.insertMany([write('d1')], attempt());
    lockHeld();
    const inFlight = settle(writer.insertMany([write('d2')], attempt()));
    await reachThread();
    let closed = false;
    const closing = writer.close().then(() => (closed = true));
    await reachThread();
    expect(closed).toBe(false);
    db.exec('ROLLBACK');
    await closing;
    expect(await inFlight).toEqual({ value: undefined });
    expect(stored()).toEqual(['d1', 'd2']);
    await expect(writer.insertMany([write('d3')], attempt())).rejects.toThrow(/closed/);
  });
});
