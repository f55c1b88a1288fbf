import { InMemorySignalCache } from './signal-cache';

const answer = (swapped: boolean) => ({ answer: { status: 'OK' as const, value: { swapped } }, storedAt: 0 });

describe('InMemorySignalCache', () => {
  let now = 0;
  beforeEach(() => (now = 0));

  it('returns an entry until its TTL has passed, then forgets it', async () => {
    const cache = new InMemorySignalCache(10, () => now);
    await cache.set('k', answer(true), 1000, 'h');
    now = 999;
    await expect(cache.get('k')).resolves.toEqual(answer(true));
    now = 1000;
    await expect(cache.get('k')).resolves.toBeUndefined();
    expect(cache.size).toBe(0);
  });

  it('keeps at most maxEntries, dropping the oldest first', async () => {
    const cache = new InMemorySignalCache(2, () => now);
    await cache.set('a', answer(true), 1000, 'h');
    await cache.set('b', answer(true), 1000, 'h');
    await cache.set('a', answer(false), 1000, 'h');
    await cache.set('c', answer(true), 1000, 'h');
    await expect(cache.get('b')).resolves.toBeUndefined();
    await expect(cache.get('a')).resolves.toEqual(answer(false));
    await expect(cache.get('c')).resolves.toEqual(answer(true));
  });

  it('stores nothing with a TTL of 0 (cache disabled for that signal)', async () => {
    const cache = new InMemorySignalCache(10, () => now);
    await cache.set('k', answer(true), 0, 'h');
    await expect(cache.get('k')).resolves.toBeUndefined();
  });

  it('forgets the entries of one number only (an erasure)', async () => {
    const cache = new InMemorySignalCache(10, () => now);
    await cache.set('simSwap:check:aaaa:{"maxAge":240}', answer(true), 1000, 'aaaa');
    await cache.set('tenure:check:aaaa:{}', answer(true), 1000, 'aaaa');
    await cache.set('simSwap:check:bbbb:{"maxAge":240}', answer(true), 1000, 'bbbb');
    await expect(cache.forgetSubject('aaaa')).resolves.toBe(2);
    await expect(cache.get('tenure:check:aaaa:{}')).resolves.toBeUndefined();
    await expect(cache.get('simSwap:check:bbbb:{"maxAge":240}')).resolves.toEqual(answer(true));
  });
});
