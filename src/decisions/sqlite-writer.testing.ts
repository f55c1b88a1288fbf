import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Deadline, WriteAttempt } from '../common/batching/write-attempt';
import { PACKAGE_ROOT } from '../config/package-root';
import { applyMigrations, readMigrations } from '../prisma/migrator';
import { DecisionWrite } from './attached-rows';
import { toRow } from './decision-rows';
import { DecisionRecord } from './decision.types';

/** A migrated SQLite file in a folder of its own, and the test's own connection to it. */
export async function migratedSqliteFile(): Promise<{ file: string; db: Database.Database; remove: () => void }> {
  const folder = mkdtempSync(join(tmpdir(), 'linetrust-writer-'));
  const file = join(folder, 'test.db');
  await applyMigrations({ provider: 'sqlite', file }, readMigrations(join(PACKAGE_ROOT, 'prisma', 'sqlite', 'migrations')));
  const db = new Database(file);
  return {
    file,
    db,
    remove() {
      if (db.inTransaction) db.exec('ROLLBACK');
      db.close();
      rmSync(folder, { recursive: true, force: true });
    },
  };
}

/** A decision to write, with the given id. */
export function decisionWrite(id: string): DecisionWrite {
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
}

/** The ids of the decisions stored, in order. */
export const storedDecisionIds = (db: Database.Database) => (db.prepare('SELECT id FROM "Decision" ORDER BY id').all() as { id: string }[]).map((row) => row.id);

/** An attempt with a deadline far enough not to matter. */
export const unhurriedAttempt = () => new WriteAttempt(Deadline.in(60_000));
