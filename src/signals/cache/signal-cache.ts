import { MaybePromise } from '../../common/async/maybe-promise';
import { SignalAnswer } from '../signal.types';

export interface CachedAnswer {
  answer: SignalAnswer<object>;
  storedAt: number;
}

/**
 * Where answers are kept between decisions: in memory (one instance), or in the database,
 * shared by every instance (FLEET_STATE). Each entry names its subject, the number's keyed hash,
 * so that an erasure finds them all.
 *
 * get and set may answer without a promise: the in-memory store does, since a decision asks
 * it two or three times and an async function and its await cost more than the Map lookup.
 */
export abstract class SignalCacheStore {
  abstract get(key: string): MaybePromise<CachedAnswer | undefined>;
  abstract set(key: string, value: CachedAnswer, ttlMs: number, subjectHash: string): MaybePromise<void>;
  /** Drops every entry about one number (an erasure); answers how many. */
  abstract forgetSubject(subjectHash: string): Promise<number>;
}

/**
 * A bounded in-memory store. Entries expire after their TTL; when full, the oldest entry goes
 * (a Map iterates in insertion order), so memory stays flat under any traffic.
 */
export class InMemorySignalCache extends SignalCacheStore {
  private readonly entries = new Map<string, { value: CachedAnswer; expiresAt: number; subjectHash: string }>();

  constructor(
    private readonly maxEntries: number,
    private readonly now: () => number = Date.now,
  ) {
    super();
  }

  get size(): number {
    return this.entries.size;
  }

  get(key: string): CachedAnswer | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (entry.expiresAt <= this.now()) {
      this.entries.delete(key);
      return undefined;
    }
    return entry.value;
  }

  async forgetSubject(subjectHash: string): Promise<number> {
    let removed = 0;
    for (const [key, entry] of [...this.entries]) {
      if (entry.subjectHash === subjectHash) removed += Number(this.entries.delete(key));
    }
    return removed;
  }

  set(key: string, value: CachedAnswer, ttlMs: number, subjectHash: string): void {
    if (ttlMs <= 0 || this.maxEntries <= 0) return;
    this.entries.delete(key);
    this.entries.set(key, { value, expiresAt: this.now() + ttlMs, subjectHash });
    while (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next().value as string;
      this.entries.delete(oldest);
    }
  }
}
