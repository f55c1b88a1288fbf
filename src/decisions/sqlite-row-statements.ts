import type { Database, Statement, Transaction } from 'better-sqlite3';
import { WriteAttempt } from '../common/batching/write-attempt';
import { ATTACHED_TABLES, DecisionWrite, sqliteRowValues } from './attached-rows';
import { ClaimWrite, DECISION_COLUMNS, sqliteDateTime, sqliteValues } from './decision-rows';
import { SqliteLockWait } from './sqlite-lock-wait';

export type SqliteValue = string | number | bigint | Buffer | null;

/**
 * A decision as the writer's thread receives it: plain values only, since it crosses threads by
 * structured clone (no Date, no class). `claim` is [apiKeyId, key, createdAt] of the
 * Idempotency-Key claim it must link to; `attached` is [index in ATTACHED_TABLES, values].
 */
export interface DecisionValues {
  values: SqliteValue[];
  claim?: [string, string, string];
  attached?: [number, SqliteValue[]][];
}

/** A new Idempotency-Key claim: apiKeyId, key, requestHash, createdAt. */
export type ClaimValues = [string, string, string, string];

export function decisionValues({ decision, attached, claim }: DecisionWrite): DecisionValues {
  const item: DecisionValues = { values: sqliteValues(decision) };
  if (claim) item.claim = [claim.apiKeyId, claim.key, sqliteDateTime(claim.createdAt)];
  if (attached) {
    item.attached = [];
    ATTACHED_TABLES.forEach((table, index) => {
      for (const row of table.rows(attached)) {
        // SQLite has no boolean: Prisma stores true/false as 1/0.
        const values = sqliteRowValues(row, table.columns).map((v) => (typeof v === 'boolean' ? Number(v) : v));
        item.attached?.push([index, values as SqliteValue[]]);
      }
    });
  }
  return item;
}

export function claimValues({ claim }: ClaimWrite): ClaimValues {
  return [claim.apiKeyId, claim.key, claim.requestHash, sqliteDateTime(claim.createdAt)];
}

/**
 * The decision path's writes on one SQLite connection, as prepared statements, each batch in one
 * transaction that asks its WriteAttempt after its last statement whether it may commit. Each
 * transaction takes the write lock at BEGIN (IMMEDIATE), waiting for it as `lockWait` says. The
 * table stays Prisma's: its migrations own the schema, and decision-write-path.e2e-spec.ts fails
 * if the columns written here drift from it.
 */
export class SqliteRowStatements {
  private readonly decisions: Transaction<(items: DecisionValues[], attempt: WriteAttempt) => boolean[]>;
  private readonly claims: Transaction<(items: ClaimValues[], attempt: WriteAttempt) => boolean[]>;

  constructor(
    db: Database,
    private readonly lockWait: SqliteLockWait,
  ) {
    const insert: Statement = db.prepare(`INSERT INTO "Decision" (${quoted(DECISION_COLUMNS)}) VALUES (${marks(DECISION_COLUMNS)})`);
    const link: Statement = db.prepare(
      'UPDATE "IdempotencyRecord" SET "decisionId" = ? WHERE "apiKeyId" = ? AND "key" = ? AND "createdAt" = ? AND "decisionId" IS NULL',
    );
    const claimInsert: Statement = db.prepare(
      'INSERT INTO "IdempotencyRecord" ("apiKeyId", "key", "requestHash", "decisionId", "createdAt") VALUES (?, ?, ?, NULL, ?) ON CONFLICT DO NOTHING',
    );
    const attachedInserts = ATTACHED_TABLES.map((table) => db.prepare(`INSERT INTO "${table.name}" (${quoted(table.columns)}) VALUES (${marks(table.columns)})`));
    this.decisions = db.transaction((items: DecisionValues[], attempt: WriteAttempt) => {
      const linked = items.map((item) => {
        // A claimed write whose claim is no longer its request's stores nothing; the batch goes on.
        if (item.claim && link.run(item.values[ID], ...item.claim).changes !== 1) return false;
        insert.run(item.values);
        for (const [table, values] of item.attached ?? []) attachedInserts[table].run(values);
        return true;
      });
      attempt.beforeCommit();
      return linked;
    });
    this.claims = db.transaction((items: ClaimValues[], attempt: WriteAttempt) => {
      const inserted = items.map((values) => claimInsert.run(values).changes === 1);
      attempt.beforeCommit();
      return inserted;
    });
  }

  /** The decisions and their attached rows in one transaction; for each, whether it was written (false: its claim did not link). */
  insertDecisions(items: DecisionValues[], attempt: WriteAttempt): boolean[] {
    return this.run(attempt, () => this.decisions.immediate(items, attempt));
  }

  /** New claims in one transaction; for each, whether it was inserted (false: its key was claimed already). */
  insertClaims(items: ClaimValues[], attempt: WriteAttempt): boolean[] {
    return this.run(attempt, () => this.claims.immediate(items, attempt));
  }

  private run<T>(attempt: WriteAttempt, write: () => T): T {
    try {
      return this.lockWait.run(attempt, write);
    } catch (error) {
      attempt.rolledBack(); // a failed statement or transaction stored nothing
      throw error;
    }
  }
}

const ID = DECISION_COLUMNS.indexOf('id');
const quoted = (columns: readonly string[]) => columns.map((c) => `"${c}"`).join(', ');
const marks = (columns: readonly string[]) => columns.map(() => '?').join(', ');
