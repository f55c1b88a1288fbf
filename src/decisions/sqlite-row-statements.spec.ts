import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WriteAttempt } from '../common/batching/write-attempt';
import { PACKAGE_ROOT } from '../config/package-root';
import { applyMigrations, readMigrations } from '../prisma/migrator';
import { toRow } from './decision-rows';
import { claimValues, decisionValues, SqliteRowStatements } from './sqlite-row-statements';

/**
 * How durable each of the decision path's commits is. A claim commits without its own sync
 * (NORMAL); the decision that answers commits with FULL, whose sync takes the claim's frames
 * with it. Read inside each transaction, just before its commit.
 */
describe('SqliteRowStatements: synchronous level per commit', () => {
  let folder: string;
  let db: Database.Database;
  const createdAt = new Date('2026-06-15T11:59:58.000Z');

  beforeEach(async () => {
    folder = mkdtempSync(join(tmpdir(), 'linetrust-rows-'));
    const file = join(folder, 'test.db');
    await applyMigrations({ provider: 'sqlite', file }, readMigrations(join(PACKAGE_ROOT, 'prisma', 'sqlite', 'migrations')));
    db = new Database(file);
  });
  afterEach(() => {
    db.close();
    rmSync(folder, { recursive: true, force: true });
  });

  const level = () => Number(db.pragma('synchronous', { simple: true }));
  /** An attempt that records the connection's level when its transaction is about to commit. */
  const recording = (levels: number[], fail = false) =>
    ({
      beforeCommit: () => {
        levels.push(level());
        if (fail) throw new Error('past the deadline');
      },
      rolledBack: () => undefined,
    }) as unknown as WriteAttempt;
  const claim = (key: string) => claimValues({ claim: { apiKeyId: 'key-1', key, requestHash: 'h', createdAt } });
  const decision = (id: string, key: string) =>
    decisionValues({
      decision: toRow({
        id,
        createdAt,
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
      }),
      claim: { apiKeyId: 'key-1', key, createdAt },
    });

  it('commits claims at NORMAL and their decisions at FULL, and leaves the connection at FULL after each', () => {
    db.pragma('synchronous = FULL'); // as the writer's thread sets it
    const statements = new SqliteRowStatements(db);
    const levels: number[] = [];
    expect(statements.insertClaims([claim('k1'), claim('k2')], recording(levels))).toEqual([true, true]);
    expect(level()).toBe(2);
    expect(statements.insertDecisions([decision('d1', 'k1')], recording(levels))).toEqual([true]);
    expect(level()).toBe(2);
    expect(statements.insertClaims([claim('k3')], recording(levels))).toEqual([true]); // the second batch too
    expect(levels).toEqual([1, 2, 1]);
    expect(level()).toBe(2);
  });

  it('is back at FULL after a claims batch that was refused at its commit, which stored nothing', () => {
    db.pragma('synchronous = FULL');
    const statements = new SqliteRowStatements(db);
    const levels: number[] = [];
    expect(() => statements.insertClaims([claim('k1')], recording(levels, true))).toThrow('past the deadline');
    expect(levels).toEqual([1]);
    expect(level()).toBe(2);
    expect(db.prepare('SELECT COUNT(*) AS n FROM "IdempotencyRecord"').get()).toEqual({ n: 0 });
    const after: number[] = [];
    statements.insertDecisions([decision('d1', 'k1')], recording(after)); // its claim is not there: not linked
    expect(after).toEqual([2]);
  });

  it('never raises a connection set below NORMAL', () => {
    db.pragma('synchronous = OFF');
    const statements = new SqliteRowStatements(db);
    const levels: number[] = [];
    statements.insertClaims([claim('k1')], recording(levels));
    expect(levels).toEqual([0]);
    expect(level()).toBe(0);
  });
});
