import type { Pool, PoolClient } from 'pg';
import { DeadlineExceededError, WriteAttempt } from '../common/batching/write-attempt';
import { Claim, DECISION_COLUMNS, DecisionRow } from './decision-rows';

/** The PostgreSQL type of each column (the migrations'): the casts of the array parameters. */
export const POSTGRES_DECISION_TYPES: Record<(typeof DECISION_COLUMNS)[number], 'text' | 'integer' | 'timestamp(3)'> = {
  id: 'text', createdAt: 'timestamp(3)', useCase: 'text', outcome: 'text', score: 'integer', reasons: 'text', signals: 'text',
  policyId: 'text', policyVersion: 'text', phoneNumberHash: 'text', phoneNumberMasked: 'text', subjectId: 'text', context: 'text',
  trustedSince: 'text', correlator: 'text', apiKeyId: 'text', shadowPolicyVersion: 'text', shadowOutcome: 'text', shadowScore: 'integer',
  shadowReasons: 'text', label: 'text', labeledAt: 'timestamp(3)',
};

const COLUMNS = DECISION_COLUMNS.map((c) => `"${c}"`).join(', ');
/** One statement shape for any batch size (one array per column), so it is prepared once per connection. */
const INSERT = {
  name: 'linetrust_decision_insert',
  text: `INSERT INTO "Decision" (${COLUMNS}) SELECT * FROM unnest(${DECISION_COLUMNS.map((c, i) => `$${i + 1}::${POSTGRES_DECISION_TYPES[c]}[]`).join(', ')})`,
};
const LINK = {
  name: 'linetrust_decision_link_claim',
  text: 'UPDATE "IdempotencyRecord" SET "decisionId" = $1 WHERE "apiKeyId" = $2 AND "key" = $3 AND "createdAt" = $4::timestamp(3) AND "decisionId" IS NULL',
};

/** Prisma keeps DateTime as UTC in `timestamp(3)`: sent as text without an offset, never in the client's zone. */
function utc(date: Date): string {
  return date.toISOString().slice(0, -1);
}

function columnArrays(rows: DecisionRow[]): unknown[][] {
  return DECISION_COLUMNS.map((column) => rows.map((row) => (row[column] instanceof Date ? utc(row[column]) : row[column])));
}

/**
 * The decision path's writes on PostgreSQL: one prepared multi-row INSERT per batch on the
 * pool Prisma also uses, without the ORM's per-row cost. Bounded like Prisma's transactions
 * were: the wait for a connection by the attempt's deadline, every statement by a
 * statement_timeout set from it, and COMMIT sent only through attempt.beforeCommit().
 */
export class PostgresDecisionWriter {
  constructor(private readonly pool: Pool) {}

  async insertMany(rows: DecisionRow[], attempt: WriteAttempt): Promise<void> {
    await this.transaction(attempt, async (client) => void (await client.query({ ...INSERT, values: columnArrays(rows) })));
  }

  insertClaimed(row: DecisionRow, claim: Claim, attempt: WriteAttempt): Promise<boolean> {
    return this.transaction(attempt, async (client) => {
      const linked = await client.query({ ...LINK, values: [row.id, claim.apiKeyId, claim.key, utc(claim.createdAt)] });
      if (linked.rowCount !== 1) return false;
      await client.query({ ...INSERT, values: columnArrays([row]) });
      return true;
    });
  }

  private async transaction<R>(attempt: WriteAttempt, work: (client: PoolClient) => Promise<R>): Promise<R> {
    const client = await this.connect(attempt);
    let broken = false;
    try {
      // SET takes no bind parameters; the value is an integer computed here. No deadline: no bound.
      const bounded = Number.isFinite(attempt.deadline.at);
      await client.query(bounded ? `BEGIN; SET LOCAL statement_timeout = ${attempt.statementTimeoutMs()}` : 'BEGIN');
      let result: R;
      try {
        result = await work(client);
        attempt.beforeCommit();
      } catch (error) {
        await client.query('ROLLBACK').catch(() => (broken = true));
        attempt.rolledBack();
        throw error;
      }
      await client.query('COMMIT');
      return result;
    } catch (error) {
      broken ||= !(error instanceof DeadlineExceededError) && (error as { code?: string }).code === undefined;
      throw error;
    } finally {
      // A connection whose state is unknown (no driver code: a network error) is not reused.
      client.release(broken);
    }
  }

  /** A pooled connection by the attempt's deadline; one that arrives later goes straight back. */
  private connect(attempt: WriteAttempt): Promise<PoolClient> {
    if (!Number.isFinite(attempt.deadline.at)) return this.pool.connect();
    return new Promise<PoolClient>((resolve, reject) => {
      let late = false;
      const timer = setTimeout(() => {
        late = true;
        reject(new DeadlineExceededError());
      }, attempt.statementTimeoutMs());
      this.pool.connect().then(
        (client) => {
          clearTimeout(timer);
          if (late) client.release();
          else resolve(client);
        },
        (error: unknown) => {
          clearTimeout(timer);
          reject(error);
        },
      );
    });
  }
}
