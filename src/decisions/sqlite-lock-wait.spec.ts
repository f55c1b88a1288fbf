import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Deadline, DeadlineExceededError, WriteAttempt } from '../common/batching/write-attempt';
import { FIRST_PAUSE_MS, MAX_PAUSE_MS, SqliteLockWait } from './sqlite-lock-wait';

/**
 * Two real connections to one WAL file: `other` holds the write lock (another process's writer,
 * in production), `writer` has no busy timeout and waits through SqliteLockWait. The pauses are
 * recorded instead of slept, and move a fake clock, so the waits are exact and instant.
 */
describe('SqliteLockWait', () => {
  let folder: string;
  let other: Database.Database;
  let writer: Database.Database;
  let clock: number;
  let pauses: number[];
  /** Called at each pause, before the clock moves: what the other writer does meanwhile. */
  let duringPause: (n: number) => void;

  beforeEach(() => {
    folder = mkdtempSync(join(tmpdir(), 'linetrust-lockwait-'));
    const file = join(folder, 'test.db');
    other = new Database(file);
    other.pragma('journal_mode = WAL');
    other.exec('CREATE TABLE t (v TEXT NOT NULL)');
    writer = new Database(file, { timeout: 0 });
    clock = 1000;
    pauses = [];
    duringPause = () => undefined;
  });
  afterEach(() => {
    if (other.inTransaction) other.exec('ROLLBACK');
    other.close();
    writer.close();
    rmSync(folder, { recursive: true, force: true });
  });

  const now = () => clock;
  const wait = (busyTimeoutMs: number) =>
    new SqliteLockWait({
      busyTimeoutMs,
      now,
      pause: (ms) => {
        pauses.push(ms);
        duringPause(pauses.length);
        clock += ms;
      },
    });
  const attempt = (deadlineInMs = 60_000) => new WriteAttempt(new Deadline(clock + deadlineInMs, now));
  const insert = (v: string) => writer.transaction(() => void writer.prepare('INSERT INTO t (v) VALUES (?)').run(v)).immediate();
  const stored = () => (other.prepare('SELECT v FROM t').all() as { v: string }[]).map((r) => r.v);

  it('writes at once, with no pause, when the lock is free', () => {
    wait(100).run(attempt(), () => insert('a'));
    expect(pauses).toEqual([]);
    expect(stored()).toEqual(['a']);
  });

  it('waits in pauses that double from 50 us up to 1 ms, and writes as soon as the other commits', () => {
    other.exec('BEGIN IMMEDIATE');
    other.exec("INSERT INTO t (v) VALUES ('theirs')");
    duringPause = (n) => n === 7 && other.exec('COMMIT');
    wait(100).run(attempt(), () => insert('mine'));
    expect(pauses).toEqual([FIRST_PAUSE_MS, 0.1, 0.2, 0.4, 0.8, MAX_PAUSE_MS, MAX_PAUSE_MS]);
    expect(MAX_PAUSE_MS).toBe(1);
    expect(stored()).toEqual(['theirs', 'mine']);
  });

  it('gives up at the busy timeout with SQLite\'s SQLITE_BUSY, its last pause cut to what was left, and stored nothing', () => {
    other.exec('BEGIN IMMEDIATE');
    const write = attempt();
    expect(() => wait(5).run(write, () => insert('mine'))).toThrow(expect.objectContaining({ code: 'SQLITE_BUSY' }));
    expect(pauses.reduce((a, b) => a + b, 0)).toBeCloseTo(5, 9);
    expect(Math.max(...pauses)).toBeLessThanOrEqual(MAX_PAUSE_MS);
    // A failure of its own, in time: the caller may answer "retry later".
    expect(write.aborted).toBe(false);
    other.exec('ROLLBACK');
    expect(stored()).toEqual([]);
  });

  it('a second write after a wait starts with the short pause again', () => {
    const lockWait = wait(100);
    other.exec('BEGIN IMMEDIATE');
    duringPause = (n) => n === 4 && other.exec('COMMIT');
    lockWait.run(attempt(), () => insert('first'));
    other.exec('BEGIN IMMEDIATE');
    duringPause = (n) => n === 5 && other.exec('COMMIT');
    lockWait.run(attempt(), () => insert('second'));
    expect(pauses).toEqual([0.05, 0.1, 0.2, 0.4, 0.05]);
    expect(stored()).toEqual(['first', 'second']);
  });

  it('stops waiting at the deadline: DeadlineExceededError, the attempt aborted (never to commit), nothing stored', () => {
    other.exec('BEGIN IMMEDIATE');
    const write = attempt(2);
    expect(() => wait(5000).run(write, () => insert('late'))).toThrow(DeadlineExceededError);
    expect(pauses.reduce((a, b) => a + b, 0)).toBeCloseTo(2, 9);
    expect(write.aborted).toBe(true);
    expect(write.abort()).toBe(true);
    other.exec('ROLLBACK');
    expect(stored()).toEqual([]);
  });

  it('stops waiting once the attempt is aborted (its request answered already), without waiting for the lock', () => {
    other.exec('BEGIN IMMEDIATE');
    const write = attempt();
    duringPause = (n) => n === 2 && write.abort();
    expect(() => wait(5000).run(write, () => insert('late'))).toThrow(DeadlineExceededError);
    expect(pauses).toHaveLength(2);
    other.exec('ROLLBACK');
    expect(stored()).toEqual([]);
  });

  it('throws any other error at once, without a pause', () => {
    writer.exec('CREATE TABLE IF NOT EXISTS u (v TEXT NOT NULL)');
    const failing = () => writer.transaction(() => void writer.prepare('INSERT INTO u (v) VALUES (NULL)').run()).immediate();
    expect(() => wait(100).run(attempt(), failing)).toThrow(expect.objectContaining({ code: 'SQLITE_CONSTRAINT_NOTNULL' }));
    expect(pauses).toEqual([]);
  });

  it('retries SQLITE_BUSY_RECOVERY too, and not SQLITE_BUSY_SNAPSHOT (only a new transaction helps) nor a lookalike', () => {
    const failures = [Object.assign(new Error('recovery'), { code: 'SQLITE_BUSY_RECOVERY' })];
    let calls = 0;
    const result = wait(100).run(attempt(), () => {
      calls++;
      const failure = failures.shift();
      if (failure) throw failure;
      return 'done';
    });
    expect([result, calls, pauses]).toEqual(['done', 2, [FIRST_PAUSE_MS]]);
    for (const code of ['SQLITE_BUSY_SNAPSHOT', 'SQLITE_BUSYNESS']) {
      const other = Object.assign(new Error(code), { code });
      expect(() => wait(100).run(attempt(), () => { throw other; })).toThrow(other);
    }
    expect(pauses).toEqual([FIRST_PAUSE_MS]);
  });
});
