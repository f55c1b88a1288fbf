import type { Database, Statement, Transaction } from 'better-sqlite3';
import { WriteAttempt } from '../common/batching/write-attempt';
import { ATTACHED_TABLES, DecisionWrite, sqliteRowValues } from './attached-rows';
import { ClaimWrite, DECISION_COLUMNS, sqliteDateTime, sqliteValues } from './decision-rows';

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
 * transaction that asks its WriteAttempt after its last statement whether it may commit. The
 * table stays Prisma's: its migrations own the schema, and decision-write-path.e2e-spec.ts fails
 * if the columns written here drift from it.
 */
export class SqliteRowStatements {
  private readonly decisions: Transaction<(items: DecisionValues[], attempt: WriteAttempt) => boolean[]>;
  private readonly claims: Transaction<(items: ClaimValues[], attempt: WriteAttempt) => boolean[]>;
  /** The connection's own `synchronous` level (FULL on the writer's thread), and the claims' one. */
  private readonly durable: number;
  private readonly claimLevel: number;

  constructor(private readonly db: Database) {
    // Claims commit without their own fsync (NORMAL: in WAL mode, no sync at commit). A claim
    // is no answer: it only keeps a concurrent retry from deciding twice. Its decision's commit
    // (FULL) syncs the WAL, and with it every frame before, the claim's included: an answered
    // decision's claim is as durable as the decision. What a power loss can take is a claim
    // whose decision was never committed, so never answered; the retry then decides afresh, as
    // it would have once the pending claim went stale. A process crash loses nothing (the WAL
    // is in the OS's cache). Never above the connection's own level.
    this.durable = Number(db.pragma('synchronous', { simple: true }));
    this.claimLevel = Math.min(this.durable, NORMAL);
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
    return this.run(attempt, () => this.decisions(items, attempt));
  }

  /** New claims in one transaction; for each, whether it was inserted (false: its key was claimed already). */
  insertClaims(items: ClaimValues[], attempt: WriteAttempt): boolean[] {
    // Set through db.pragma, each time: SQLite applies this PRAGMA when it compiles it, so a
    // prepared one would act once, at prepare, and never again.
    this.db.pragma(`synchronous = ${this.claimLevel}`);
    try {
      return this.run(attempt, () => this.claims(items, attempt));
    } finally {
      this.db.pragma(`synchronous = ${this.durable}`);
    }
  }

  private run<T>(attempt: WriteAttempt, write: () => T): T {
    try {
      return write();
    } catch (error) {
      attempt.rolledBack(); // a failed statement or transaction stored nothing
      throw error;
    }
  }
}

const ID = DECISION_COLUMNS.indexOf('id');
/** SQLite's `synchronous` levels: 0 OFF, 1 NORMAL, 2 FULL, 3 EXTRA. */
const NORMAL = 1;
const quoted = (columns: readonly string[]) => columns.map((c) => `"${c}"`).join(', ');
const marks = (columns: readonly string[]) => columns.map(() => '?').join(', ');
