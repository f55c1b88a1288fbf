import { InMemorySignalCache } from './signal-cache';

const answer = (swapped: boolean) => ({ answer: { status: 'OK' as const, value: { swapped } }, storedAt: 0 });

describe('InMemorySignalCache', () => {
  let now = 0;
  beforeEach(() => (now = 0));

  it('returns an entry until its TTL has passed, then forgets it', () => {
    const cache = new InMemorySignalCache(10, () => now);
    cache.set('k', answer(true), 1000, 'h');
    now = 999;
    expect(cache.get('k')).toEqual(answer(true));
    now = 1000;
    expect(cache.get('k')).toBeUndefined();
    expect(cache.size).toBe(0);
  });

  it('keeps at most maxEntries, dropping the oldest first', () => {
    const cache = new InMemorySignalCache(2, () => now);
    cache.set('a', answer(true), 1000, 'h');
    cache.set('b', answer(true), 1000, 'h');
    cache.set('a', answer(false), 1000, 'h');
    cache.set('c', answer(true), 1000, 'h');
    expect(cache.get('b')).toBeUndefined();
    expect(cache.get('a')).toEqual(answer(false));
    expect(cache.get('c')).toEqual(answer(true));
  });

  it('stores nothing with a TTL of 0 (cache disabled for that signal)', () => {
    const cache = new InMemorySignalCache(10, () => now);
    cache.set('k', answer(true), 0, 'h');
    expect(cache.get('k')).toBeUndefined();
  });

  it('forgets the entries of one number only (an erasure)', async () => {
    const cache = new InMemorySignalCache(10, () => now);
    cache.set('simSwap:check:aaaa:{"maxAge":240}', answer(true), 1000, 'aaaa');
    cache.set('tenure:check:aaaa:{}', answer(true), 1000, 'aaaa');
    cache.set('simSwap:check:bbbb:{"maxAge":240}', answer(true), 1000, 'bbbb');
    await expect(cache.forgetSubject('aaaa')).resolves.toBe(2);
    expect(cache.get('tenure:check:aaaa:{}')).toBeUndefined();
    expect(cache.get('simSwap:check:bbbb:{"maxAge":240}')).toEqual(answer(true));
  });
});
