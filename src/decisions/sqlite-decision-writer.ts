import type { Database, Statement, Transaction } from 'better-sqlite3';
import { WriteAttempt } from '../common/batching/write-attempt';
import { SerializedSqliteAdapterFactory } from '../prisma/serialized-sqlite-adapter';
import { ATTACHED_TABLES, DecisionWrite, sqliteRowValues } from './attached-rows';
import { Claim, ClaimWrite, DECISION_COLUMNS, sqliteDateTime, sqliteValues } from './decision-rows';

interface Statements {
  db: Database;
  insertMany: Transaction<(writes: DecisionWrite[]) => void>;
  insertClaims: Transaction<(writes: ClaimWrite[]) => void>;
}

/**
 * The decision path's writes on SQLite as prepared statements on Prisma's own connection (in
 * turn with its queries, same PRAGMAs, synchronous=FULL): Prisma's per-row cost (its JS and its
 * query compiler, about 1 ms of CPU per row) was the largest share of a decision's CPU. The
 * table stays Prisma's: its migrations own the schema, and decision-rows.spec.ts fails if the
 * columns written here drift from it.
 *
 * Like Prisma's autocommit path before it, a batch is committing from its first statement: the
 * statements run synchronously, so no timer can fire and nothing could be answered meanwhile.
 * The deadline is read on the clock just before (WriteAttempt.beforeCommit).
 */
export class SqliteDecisionWriter {
  private statements?: Statements;

  constructor(private readonly sqlite: SerializedSqliteAdapterFactory) {}

  /**
   * The decisions, each with its attached rows (case, outbox), in one transaction. A claimed
   * write links its Idempotency-Key claim first and is skipped (`linked` false) when the claim
   * is no longer its request's; the others are written all the same.
   */
  insertMany(writes: DecisionWrite[], attempt: WriteAttempt): Promise<void> {
    return this.sqlite.exclusive((db) => this.run(attempt, () => this.prepared(db).insertMany(writes)));
  }

  /** New Idempotency-Key claims in one transaction, each `inserted` unless its key was claimed already. */
  insertClaims(writes: ClaimWrite[], attempt: WriteAttempt): Promise<void> {
    return this.sqlite.exclusive((db) => this.run(attempt, () => this.prepared(db).insertClaims(writes)));
  }

  private run<T>(attempt: WriteAttempt, write: () => T): T {
    attempt.beforeCommit();
    try {
      return write();
    } catch (error) {
      attempt.rolledBack(); // a failed statement or transaction stored nothing
      throw error;
    }
  }

  /** Prepared once per connection (statements belong to it). */
  private prepared(db: Database): Statements {
    if (this.statements?.db === db) return this.statements;
    const columns = DECISION_COLUMNS.map((c) => `"${c}"`).join(', ');
    const insert: Statement = db.prepare(`INSERT INTO "Decision" (${columns}) VALUES (${DECISION_COLUMNS.map(() => '?').join(', ')})`);
    const link: Statement = db.prepare(
      'UPDATE "IdempotencyRecord" SET "decisionId" = ? WHERE "apiKeyId" = ? AND "key" = ? AND "createdAt" = ? AND "decisionId" IS NULL',
    );
    const claimInsert: Statement = db.prepare(
      'INSERT INTO "IdempotencyRecord" ("apiKeyId", "key", "requestHash", "decisionId", "createdAt") VALUES (?, ?, ?, NULL, ?) ON CONFLICT DO NOTHING',
    );
    const attachedInserts = ATTACHED_TABLES.map((table) => ({
      table,
      statement: db.prepare(`INSERT INTO "${table.name}" (${table.columns.map((c) => `"${c}"`).join(', ')}) VALUES (${table.columns.map(() => '?').join(', ')})`),
    }));
    const linkClaim = (one: DecisionWrite, { apiKeyId, key, createdAt }: Claim): boolean =>
      (one.linked = link.run(one.decision.id, apiKeyId, key, sqliteDateTime(createdAt)).changes === 1);
    const write = (one: DecisionWrite) => {
      // A claimed write whose claim is no longer its request's stores nothing; the batch goes on.
      if (one.claim && !linkClaim(one, one.claim)) return;
      const { decision, attached } = one;
      insert.run(sqliteValues(decision));
      if (!attached) return;
      for (const { table, statement } of attachedInserts) {
        // SQLite has no boolean: Prisma stores true/false as 1/0.
        for (const row of table.rows(attached)) statement.run(sqliteRowValues(row, table.columns).map((v) => (typeof v === 'boolean' ? Number(v) : v)));
      }
    };
    this.statements = {
      db,
      insertMany: db.transaction((writes: DecisionWrite[]) => {
        for (const one of writes) write(one);
      }),
      insertClaims: db.transaction((writes: ClaimWrite[]) => {
        for (const one of writes) {
          const { apiKeyId, key, requestHash, createdAt } = one.claim;
          one.inserted = claimInsert.run(apiKeyId, key, requestHash, sqliteDateTime(createdAt)).changes === 1;
        }
      }),
    };
    return this.statements;
  }
}
