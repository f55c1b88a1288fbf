import type { Database, Statement } from 'better-sqlite3';
import type { Pool } from 'pg';
import { SerializedSqliteAdapterFactory } from '../prisma/serialized-sqlite-adapter';
import { Action } from '../scoring/actions';
import { Label, StoredDecision } from '../scoring/backtest';
import { sqliteDateTime } from './decision-rows';

/** Which stored decisions a replay reads: a use case's, created in [from, to). */
export interface ReplayRange {
  useCase: string;
  from?: Date;
  to?: Date;
}

/** The columns a replay reads, in this order, and nothing else (no hashes, masks, shadows). */
type ReplayRow = [id: string, createdAt: Date, outcome: string, reasons: string, signals: string, trustedSince: string | null, context: string | null, label: string | null];

function storedDecision([id, createdAt, outcome, reasons, signals, trustedSince, context, label]: ReplayRow): StoredDecision {
  return {
    id,
    createdAt,
    outcome: outcome as Action,
    reasons: JSON.parse(reasons),
    signals: JSON.parse(signals),
    trustedSince: trustedSince ?? undefined,
    context: context === null ? undefined : JSON.parse(context),
    label: (label ?? undefined) as Label | undefined,
  };
}

/*
 * A keyset page: the decisions after `after` in id order. Ids are unique and UUIDv7, so id
 * order is creation order (to the millisecond), a page boundary can fall between two decisions
 * of the same millisecond without losing or repeating one, and the (useCase, id) index serves
 * both the filter and the order: each page starts where the last ended, with no offset to skip
 * and no sort (createdAt has no index: ordering by it would sort the whole range per page). The
 * time range filters createdAt itself, as Prisma's filter did, so a decision is never left out
 * for an id that does not match its time.
 */
const COLUMNS = '"id", "createdAt", "outcome", "reasons", "signals", "trustedSince", "context", "label"';

/**
 * SQLite: one prepared statement on Prisma's own connection (in turn with its queries), rows as
 * arrays. Through Prisma a page cost more than its replay (its row mapping, its query engine).
 */
export class SqliteReplayReader {
  private statement?: { db: Database; select: Statement };

  constructor(private readonly sqlite: SerializedSqliteAdapterFactory) {}

  /** Up to `take` decisions of `range` with an id above `after` ('' for the first page), oldest first. */
  page(range: ReplayRange, after: string, take: number): Promise<StoredDecision[]> {
    // createdAt is compared in the text form Prisma stores and filters with.
    const from = range.from ? sqliteDateTime(range.from) : null;
    const to = range.to ? sqliteDateTime(range.to) : null;
    return this.sqlite.exclusive((db) => {
      const rows = this.select(db).all({ useCase: range.useCase, after, from, to, take }) as unknown[][];
      return rows.map((row) => {
        // Prisma stores the text form; a number (epoch milliseconds) is read as Prisma reads it.
        row[1] = new Date(row[1] as string | number);
        return storedDecision(row as ReplayRow);
      });
    });
  }

  /** Prepared once per connection (statements belong to it). */
  private select(db: Database): Statement {
    if (this.statement?.db === db) return this.statement.select;
    const select = db
      .prepare(
        `SELECT ${COLUMNS} FROM "Decision" WHERE "useCase" = @useCase AND "id" > @after ` +
          'AND (@from IS NULL OR "createdAt" >= @from) AND (@to IS NULL OR "createdAt" < @to) ORDER BY "id" LIMIT @take',
      )
      .raw(true)
      // Prisma's connection reads integers as BigInt by default: none is wanted here.
      .safeIntegers(false);
    this.statement = { db, select };
    return select;
  }
}

const PAGE_QUERY = {
  name: 'linetrust_replay_page',
  // createdAt as epoch milliseconds: pg would read a `timestamp` (no zone) in the client's
  // zone, and Prisma stores UTC. The bounds are sent as UTC text, as the writer sends them.
  text:
    `SELECT ${COLUMNS.replace('"createdAt"', '(extract(epoch FROM "createdAt") * 1000)::float8')} FROM "Decision" WHERE "useCase" = $1 AND "id" > $2 ` +
    'AND ($3::timestamp(3) IS NULL OR "createdAt" >= $3) AND ($4::timestamp(3) IS NULL OR "createdAt" < $4) ORDER BY "id" LIMIT $5',
};

const utc = (date: Date | undefined) => (date ? date.toISOString().slice(0, -1) : null);

/** PostgreSQL: one named (prepared) statement on the pool Prisma also uses, rows as arrays. */
export class PostgresReplayReader {
  constructor(private readonly pool: Pool) {}

  /** As SqliteReplayReader.page. */
  async page(range: ReplayRange, after: string, take: number): Promise<StoredDecision[]> {
    const values = [range.useCase, after, utc(range.from), utc(range.to), take];
    const { rows } = await this.pool.query<unknown[]>({ ...PAGE_QUERY, rowMode: 'array', values });
    return rows.map((row) => {
      row[1] = new Date(row[1] as number);
      return storedDecision(row as ReplayRow);
    });
  }
}
