import { SignalAnswer } from '../signal.types';

export interface CachedAnswer {
  answer: SignalAnswer<object>;
  storedAt: number;
}

/**
 * Where answers are kept between decisions. In memory by default; a store shared by several
 * instances (Redis, the database) implements the same two calls.
 */
export abstract class SignalCacheStore {
  abstract get(key: string): Promise<CachedAnswer | undefined>;
  abstract set(key: string, value: CachedAnswer, ttlMs: number): Promise<void>;
  /** Drops every entry whose key contains `fragment` (an erasure: a number's cached answers); answers how many. */
  abstract forget(fragment: string): Promise<number>;
}

/**
 * A bounded in-memory store. Entries expire after their TTL; when full, the oldest entry goes
 * (a Map iterates in insertion order), so memory stays flat under any traffic.
 */
export class InMemorySignalCache extends SignalCacheStore {
  private readonly entries = new Map<string, { value: CachedAnswer; expiresAt: number }>();

  constructor(
    private readonly maxEntries: number,
    private readonly now: () => number = Date.now,
  ) {
    super();
  }

  get size(): number {
    return this.entries.size;
  }

  async get(key: string): Promise<CachedAnswer | undefined> {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (entry.expiresAt <= this.now()) {
      this.entries.delete(key);
      return undefined;
    }
    return entry.value;
  }

  async forget(fragment: string): Promise<number> {
    let removed = 0;
    for (const key of [...this.entries.keys()]) {
      if (key.includes(fragment)) removed += Number(this.entries.delete(key));
    }
    return removed;
  }

  async set(key: string, value: CachedAnswer, ttlMs: number): Promise<void> {
    if (ttlMs <= 0 || this.maxEntries <= 0) return;
    this.entries.delete(key);
    this.entries.set(key, { value, expiresAt: this.now() + ttlMs });
    while (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next().value as string;
      this.entries.delete(oldest);
    }
  }
}
