import { Injectable } from '@nestjs/common';
import { PrismaService } from '../../prisma/prisma.service';

export interface SignalCacheRow {
  key: string;
  subjectHash: string;
  /** JSON of the answer. */
  answer: string;
  storedAt: Date;
  expiresAt: Date;
}

/** The only code that reads and writes the shared signal cache (SignalCacheEntry). */
@Injectable()
export class SignalCacheRepository {
  constructor(private readonly prisma: PrismaService) {}

  /** The entry under `key` unless it has expired by `now` (expired rows wait for the purge). */
  async find(key: string, now: Date): Promise<SignalCacheRow | undefined> {
    await this.prisma.ready;
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
