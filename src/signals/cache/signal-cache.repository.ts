import { Injectable } from '@nestjs/common';
import type { Pool } from 'pg';
import { TurnBatch } from '../../common/batching/turn-batch';
import { epochMsOf, pgTimestamp } from '../../prisma/postgres-timestamp';
import { PrismaService } from '../../prisma/prisma.service';

export interface SignalCacheRow {
  key: string;
  subjectHash: string;
  /** JSON of the answer. */
  answer: string;
  storedAt: Date;
  expiresAt: Date;
}

const FIND = {
  name: 'linetrust_signal_cache_find',
  text: `SELECT "key", "subjectHash", "answer", ${epochMsOf('storedAt')} AS "storedAtMs", ${epochMsOf('expiresAt')} AS "expiresAtMs" FROM "SignalCacheEntry" WHERE "key" = ANY($1::text[])`,
};
const UPSERT = {
  name: 'linetrust_signal_cache_upsert',
  text:
    'INSERT INTO "SignalCacheEntry" ("key", "subjectHash", "answer", "storedAt", "expiresAt")' +
    ' SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::timestamp(3)[], $5::timestamp(3)[])' +
    ' ON CONFLICT ("key") DO UPDATE SET "subjectHash" = EXCLUDED."subjectHash", "answer" = EXCLUDED."answer",' +
    ' "storedAt" = EXCLUDED."storedAt", "expiresAt" = EXCLUDED."expiresAt"',
};

/**
 * The cache's reads and writes on PostgreSQL, where it is on every decision's path (the
 * shared cache is the default there): the lookups of one turn of the event loop go in one
 * prepared SELECT, and the stores in one INSERT ... ON CONFLICT, instead of a Prisma query each
 * (about 0.5 ms of CPU apiece, and 4 to 6 of them per decision).
 */
class PostgresSignalCacheRows {
  readonly finds = new TurnBatch<{ key: string; now: Date }, SignalCacheRow | undefined>((asks) => this.find(asks));
  readonly upserts = new TurnBatch<SignalCacheRow, void>((rows) => this.upsert(rows));

  constructor(private readonly pool: Pool) {}

  private async find(asks: { key: string; now: Date }[]): Promise<(SignalCacheRow | undefined)[]> {
    const keys = [...new Set(asks.map((a) => a.key))];
    const { rows } = await this.pool.query<{ key: string; subjectHash: string; answer: string; storedAtMs: number; expiresAtMs: number }>({ ...FIND, values: [keys] });
    const byKey = new Map(rows.map((r) => [r.key, r]));
    return asks.map(({ key, now }) => {
      const row = byKey.get(key);
      // Expired rows wait for the purge; each ask is judged at its own time.
      if (!row || row.expiresAtMs <= now.getTime()) return undefined;
      return { key, subjectHash: row.subjectHash, answer: row.answer, storedAt: new Date(row.storedAtMs), expiresAt: new Date(row.expiresAtMs) };
    });
  }

  private async upsert(all: SignalCacheRow[]): Promise<void[]> {
    // ON CONFLICT DO UPDATE may not touch a row twice in one statement: the last store of a key wins, as it would one by one.
    const rows = [...new Map(all.map((r) => [r.key, r])).values()];
    await this.pool.query({
      ...UPSERT,
      values: [rows.map((r) => r.key), rows.map((r) => r.subjectHash), rows.map((r) => r.answer), rows.map((r) => pgTimestamp(r.storedAt)), rows.map((r) => pgTimestamp(r.expiresAt))],
    });
    return all.map(() => undefined);
  }
}

/** The only code that reads and writes the shared signal cache (SignalCacheEntry). */
@Injectable()
export class SignalCacheRepository {
  private postgres?: PostgresSignalCacheRows;

  constructor(private readonly prisma: PrismaService) {}

  /** Batched raw statements on PostgreSQL (once Prisma's pool exists); Prisma on SQLite, where this cache is opt-in. */
  private get rows(): PostgresSignalCacheRows | undefined {
    if (!this.postgres && this.prisma.pool) this.postgres = new PostgresSignalCacheRows(this.prisma.pool);
    return this.postgres;
  }

  /** The entry under `key` unless it has expired by `now` (expired rows wait for the purge). */
  async find(key: string, now: Date): Promise<SignalCacheRow | undefined> {
    await this.prisma.ready;
    if (this.rows) return this.rows.finds.request({ key, now });
    const row = await this.prisma.client.signalCacheEntry.findUnique({ where: { key } });
    return row && row.expiresAt > now ? row : undefined;
  }

  /**
   * Stores or replaces the entry. A where on the key alone, with the same key in create, lets
   * Prisma send one INSERT ... ON CONFLICT: two instances storing the same answer at once do
   * not fail on the unique key.
   */
  async upsert(row: SignalCacheRow): Promise<void> {
    await this.prisma.ready;
    if (this.rows) return this.rows.upserts.request(row);
    const { key, ...values } = row;
    await this.prisma.client.signalCacheEntry.upsert({ where: { key }, create: row, update: values });
  }

  /** Deletes every entry about one number (an erasure); answers how many. */
  async deleteSubject(subjectHash: string): Promise<number> {
    await this.prisma.ready;
    return (await this.prisma.client.signalCacheEntry.deleteMany({ where: { subjectHash } })).count;
  }

  /** Deletes the entries expired by `now` (on the expiresAt index); answers how many. */
  async deleteExpired(now: Date): Promise<number> {
    await this.prisma.ready;
    return (await this.prisma.client.signalCacheEntry.deleteMany({ where: { expiresAt: { lte: now } } })).count;
  }
}
