import { Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { SignalAnswer } from '../signal.types';
import { CachedAnswer, SignalCacheStore } from './signal-cache';
import { SignalCacheRepository } from './signal-cache.repository';

/** How often expired entries are deleted: they are never served, but they hold answers about numbers. */
export const PURGE_EVERY_MS = 60_000;

/**
 * The signal cache in the database (FLEET_STATE=database): every instance reads the answers
 * any of them got, so N instances ask the operator once, and an erasure deletes a number's
 * answers for all of them. No in-process front: an entry erased on one instance must not be
 * served by another from memory. A cache that cannot be read or written is a miss, never a
 * failed decision (the operator is asked); only the erasure's delete must succeed or fail loudly.
 */
export class DatabaseSignalCache extends SignalCacheStore implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(DatabaseSignalCache.name);
  private purger?: NodeJS.Timeout;

  constructor(
    private readonly repository: SignalCacheRepository,
    private readonly now: () => number,
  ) {
    super();
  }

  onApplicationBootstrap(): void {
    this.purger = setInterval(() => void this.purgeExpired(), PURGE_EVERY_MS);
    this.purger.unref();
  }

  onModuleDestroy(): void {
    clearInterval(this.purger);
  }

  async get(key: string): Promise<CachedAnswer | undefined> {
    try {
      const row = await this.repository.find(key, new Date(this.now()));
      return row ? { answer: JSON.parse(row.answer) as SignalAnswer<object>, storedAt: row.storedAt.getTime() } : undefined;
    } catch (error) {
      this.logger.warn(`shared signal cache unreadable, asking the operator: ${(error as Error).message}`);
      return undefined;
    }
  }

  async set(key: string, value: CachedAnswer, ttlMs: number, subjectHash: string): Promise<void> {
    if (ttlMs <= 0) return;
    const row = { key, subjectHash, answer: JSON.stringify(value.answer), storedAt: new Date(value.storedAt), expiresAt: new Date(this.now() + ttlMs) };
    try {
      await this.repository.upsert(row);
    } catch (error) {
      this.logger.warn(`could not store an answer in the shared signal cache: ${(error as Error).message}`);
    }
  }

  forgetSubject(subjectHash: string): Promise<number> {
    return this.repository.deleteSubject(subjectHash);
  }

  /** Deletes the expired entries; answers how many (0 when the database cannot be reached). */
  async purgeExpired(): Promise<number> {
    try {
      return await this.repository.deleteExpired(new Date(this.now()));
    } catch (error) {
      this.logger.warn(`could not purge the shared signal cache: ${(error as Error).message}`);
      return 0;
    }
  }
}
