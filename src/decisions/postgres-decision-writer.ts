import { performance } from 'node:perf_hooks';
import type { Pool, PoolClient } from 'pg';
import { DeadlineExceededError, WriteAttempt } from '../common/batching/write-attempt';
import { pgTimestamp } from '../prisma/postgres-timestamp';
import { ATTACHED_TABLES, DecisionWrite, hasAttached } from './attached-rows';
import { CommitEvent, CommitListeners } from './commit-listeners';
import { Claim, ClaimWrite, DECISION_COLUMNS, DecisionRow } from './decision-rows';

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
/** Links every claimed write of a batch to its decision in one statement; answers the claims that were still pending. */
const LINK = {
  name: 'linetrust_decision_link_claims',
  text:
    'UPDATE "IdempotencyRecord" AS r SET "decisionId" = u.id' +
    ' FROM unnest($1::text[], $2::text[], $3::text[], $4::timestamp(3)[]) AS u(id, "apiKeyId", "key", "createdAt")' +
    ' WHERE r."apiKeyId" = u."apiKeyId" AND r."key" = u."key" AND r."createdAt" = u."createdAt" AND r."decisionId" IS NULL' +
    ' RETURNING r."decisionId"',
};

/** New Idempotency-Key claims in one statement; answers the keys it inserted (an existing key is left as it is). */
const CLAIM = {
  name: 'linetrust_idempotency_claims',
  text:
    'INSERT INTO "IdempotencyRecord" ("apiKeyId", "key", "requestHash", "decisionId", "createdAt")' +
    ' SELECT u."apiKeyId", u."key", u."requestHash", NULL, u."createdAt"' +
    ' FROM unnest($1::text[], $2::text[], $3::text[], $4::timestamp(3)[]) AS u("apiKeyId", "key", "requestHash", "createdAt")' +
    ' ON CONFLICT DO NOTHING RETURNING "apiKeyId", "key"',
};


function columnArrays(rows: readonly Record<string, unknown>[], columns: readonly string[]): unknown[][] {
  return columns.map((column) => rows.map((row) => (row[column] instanceof Date ? pgTimestamp(row[column]) : row[column])));
}

/** The same unnest INSERT for an attached table (case, case event, outbox row), prepared once per connection. */
const ATTACHED_INSERTS = new Map(
  ATTACHED_TABLES.map((table) => [
    table,
    {
      name: `linetrust_attached_${table.name}`,
      text: `INSERT INTO "${table.name}" (${table.columns.map((c) => `"${c}"`).join(', ')}) SELECT * FROM unnest(${table.columns.map((c, i) => `$${i + 1}::${table.postgresTypes[c]}[]`).join(', ')})`,
    },
  ]),
);

/**
 * The claimed writes whose claim links to them (still their request's, still pending), with
 * `linked` set on each, and every unclaimed write.
 */
async function linkClaims(client: PoolClient, writes: readonly DecisionWrite[]): Promise<DecisionWrite[]> {
  const claimed = writes.filter((w) => w.claim !== undefined);
  if (claimed.length === 0) return [...writes];
  const claims = claimed.map((w) => w.claim as Claim);
  const { rows } = await client.query<{ decisionId: string }>({
    ...LINK,
    values: [claimed.map((w) => w.decision.id), claims.map((c) => c.apiKeyId), claims.map((c) => c.key), claims.map((c) => pgTimestamp(c.createdAt))],
  });
  const linked = new Set(rows.map((row) => row.decisionId));
  for (const w of claimed) w.linked = linked.has(w.decision.id);
  return writes.filter((w) => w.claim === undefined || w.linked);
}

async function insertAll(client: PoolClient, all: readonly DecisionWrite[]): Promise<void> {
  const writes = await linkClaims(client, all);
  if (writes.length === 0) return;
  await client.query({ ...INSERT, values: columnArrays(writes.map((w) => w.decision as DecisionRow & Record<string, unknown>), DECISION_COLUMNS) });
  const attached = writes.filter(hasAttached);
  if (attached.length === 0) return;
  for (const table of ATTACHED_TABLES) {
    const rows = attached.flatMap((w) => (w.attached ? table.rows(w.attached) : []));
    if (rows.length > 0) await client.query({ ...(ATTACHED_INSERTS.get(table) as { name: string; text: string }), values: columnArrays(rows, table.columns) });
  }
}

/**
 * The decision path's writes on PostgreSQL: one prepared multi-row INSERT per batch on the
 * pool Prisma also uses, without the ORM's per-row cost. Bounded like Prisma's transactions
 * were: the wait for a connection by the attempt's deadline, every statement by a
 * statement_timeout set from it, and COMMIT sent only through attempt.beforeCommit().
 */
export class PostgresDecisionWriter {
  constructor(
    private readonly pool: Pool,
    /** Told of each batch committed, timed from BEGIN to COMMIT's answer. */
    private readonly commits = new CommitListeners(),
  ) {}

  /**
   * The decisions, each with its attached rows (case, outbox), in one transaction. A claimed
   * write is skipped (`linked` false) when its Idempotency-Key claim is no longer its request's;
   * the others are written all the same.
   */
  async insertMany(writes: DecisionWrite[], attempt: WriteAttempt): Promise<void> {
    await this.transaction('decisions', attempt, (client) => insertAll(client, writes));
  }

  /** New Idempotency-Key claims in one transaction, each `inserted` unless its key was claimed already. */
  async insertClaims(writes: ClaimWrite[], attempt: WriteAttempt): Promise<void> {
    // The same key twice in one batch: the first is sent, the second loses to it (as it would a moment later).
    const first = new Map<string, ClaimWrite>();
    for (const one of writes) {
      one.inserted = false;
      const id = JSON.stringify([one.claim.apiKeyId, one.claim.key]);
      if (!first.has(id)) first.set(id, one);
    }
    const sent = [...first.values()].map((one) => one.claim);
    const { rows } = await this.transaction('claims', attempt, (client) =>
      client.query<{ apiKeyId: string; key: string }>({
        ...CLAIM,
        values: [sent.map((c) => c.apiKeyId), sent.map((c) => c.key), sent.map((c) => c.requestHash), sent.map((c) => pgTimestamp(c.createdAt))],
      }),
    );
    for (const row of rows) (first.get(JSON.stringify([row.apiKeyId, row.key])) as ClaimWrite).inserted = true;
  }

  private async transaction<R>(kind: CommitEvent['kind'], attempt: WriteAttempt, work: (client: PoolClient) => Promise<R>): Promise<R> {
    const client = await this.connect(attempt);
    let broken = false;
    const started = performance.now();
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
      this.commits.emit({ kind, seconds: (performance.now() - started) / 1000 });
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
