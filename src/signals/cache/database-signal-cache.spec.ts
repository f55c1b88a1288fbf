import { Logger } from '@nestjs/common';
import { DatabaseSignalCache, PURGE_EVERY_MS } from './database-signal-cache';
import { SignalCacheRepository, SignalCacheRow } from './signal-cache.repository';

const NOW = new Date('2026-06-15T12:00:00Z').getTime();
const ANSWER = { status: 'OK' as const, value: { swapped: true } };

/** The table as a map, honouring expiry as the repository's query does; the real one runs in test/fleet-state.e2e-spec.ts. */
function setUp() {
  const rows = new Map<string, SignalCacheRow>();
  const repository = {
    find: jest.fn(async (key: string, now: Date) => {
      const row = rows.get(key);
      return row && row.expiresAt > now ? row : undefined;
    }),
    upsert: jest.fn(async (row: SignalCacheRow) => void rows.set(row.key, row)),
    deleteSubject: jest.fn(async (hash: string) => [...rows].filter(([key, row]) => row.subjectHash === hash && rows.delete(key)).length),
    deleteExpired: jest.fn(async (now: Date) => [...rows].filter(([key, row]) => row.expiresAt <= now && rows.delete(key)).length),
  };
  let now = NOW;
  const cache = new DatabaseSignalCache(repository as unknown as SignalCacheRepository, () => now);
  return { cache, repository, rows, at: (ms: number) => (now = NOW + ms) };
}

describe('DatabaseSignalCache', () => {
  afterEach(() => jest.restoreAllMocks());

  it('stores the answer as JSON with its subject and expiry, and reads it back until it expires', async () => {
    const { cache, rows, at } = setUp();
    await cache.set('simSwap:check:aaaa:{}', { answer: ANSWER, storedAt: NOW }, 60_000, 'aaaa');
    expect(rows.get('simSwap:check:aaaa:{}')).toEqual({
      key: 'simSwap:check:aaaa:{}',
      subjectHash: 'aaaa',
      answer: JSON.stringify(ANSWER),
      storedAt: new Date(NOW),
      expiresAt: new Date(NOW + 60_000),
    });
    at(59_999);
    await expect(cache.get('simSwap:check:aaaa:{}')).resolves.toEqual({ answer: ANSWER, storedAt: NOW });
    at(60_000);
    await expect(cache.get('simSwap:check:aaaa:{}')).resolves.toBeUndefined();
    await expect(cache.purgeExpired()).resolves.toBe(1);
  });

  it('stores nothing with a TTL of 0, and forgets one subject only', async () => {
    const { cache, repository } = setUp();
    await cache.set('tenure:check:aaaa:{}', { answer: ANSWER, storedAt: NOW }, 0, 'aaaa');
    expect(repository.upsert).not.toHaveBeenCalled();
    await cache.set('tenure:check:aaaa:{}', { answer: ANSWER, storedAt: NOW }, 1000, 'aaaa');
    await cache.set('simSwap:check:aaaa:{}', { answer: ANSWER, storedAt: NOW }, 1000, 'aaaa');
    await cache.set('tenure:check:bbbb:{}', { answer: ANSWER, storedAt: NOW }, 1000, 'bbbb');
    await expect(cache.forgetSubject('aaaa')).resolves.toBe(2);
    await expect(cache.get('tenure:check:bbbb:{}')).resolves.toBeDefined();
  });

  it('treats an unreachable table as a miss and a lost write, never a failed decision; an erasure fails loudly', async () => {
    const { cache, repository } = setUp();
    const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    const down = new Error('connection refused');
    repository.find.mockRejectedValueOnce(down);
    repository.upsert.mockRejectedValueOnce(down);
    repository.deleteSubject.mockRejectedValueOnce(down);
    await expect(cache.get('k')).resolves.toBeUndefined();
    await expect(cache.set('k', { answer: ANSWER, storedAt: NOW }, 1000, 'h')).resolves.toBeUndefined();
    await expect(cache.forgetSubject('h')).rejects.toThrow('connection refused');
    expect(warn).toHaveBeenCalledTimes(2);
  });

  it('purges expired rows on a timer once started, and stops with the module', async () => {
    jest.useFakeTimers();
    try {
      const { cache, repository } = setUp();
      cache.onApplicationBootstrap();
      await jest.advanceTimersByTimeAsync(2 * PURGE_EVERY_MS);
      expect(repository.deleteExpired).toHaveBeenCalledTimes(2);
      cache.onModuleDestroy();
      await jest.advanceTimersByTimeAsync(2 * PURGE_EVERY_MS);
      expect(repository.deleteExpired).toHaveBeenCalledTimes(2);
    } finally {
      jest.useRealTimers();
    }
  });
});
