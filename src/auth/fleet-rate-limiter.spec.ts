import { Logger } from '@nestjs/common';
import { FixedClock } from '../common/time/clock';
import { FleetRateLimiter, SharedWindowCounter } from './fleet-rate-limiter';
import { RateLimiter } from './rate-limiter';

/** The shared table in memory, with every call counted: what the instances would send the database. */
class MemoryCounter extends SharedWindowCounter {
  readonly windows = new Map<string, number>();
  calls = 0;
  failing = false;
  /** The `before` of each deleteBefore. */
  readonly deletions: number[] = [];
  deleteFailure?: Error;

  async add(apiKeyId: string, windowStart: number, amount: number): Promise<number> {
    this.calls += 1;
    await Promise.resolve(); // a round trip: other requests interleave meanwhile
    if (this.failing) throw new Error('connection refused');
    const id = `${apiKeyId}@${windowStart}`;
    const count = (this.windows.get(id) ?? 0) + amount;
    this.windows.set(id, count);
    return count;
  }

  async sum(apiKeyId: string, from: number, to: number): Promise<number> {
    this.calls += 1;
    let total = 0;
    for (const [id, count] of this.windows) {
      const [key, start] = id.split('@');
      if (key === apiKeyId && Number(start) >= from && Number(start) < to) total += count;
    }
    return total;
  }

  async deleteBefore(before: number): Promise<number> {
    this.deletions.push(before);
    if (this.deleteFailure) throw this.deleteFailure;
    let removed = 0;
    for (const id of [...this.windows.keys()]) if (Number(id.split('@')[1]) < before && this.windows.delete(id)) removed += 1;
    return removed;
  }
}

const START = new Date('2026-06-15T12:00:00Z').getTime();

function fleet(size: number, burstSeconds = 1) {
  const clock = new FixedClock(new Date(START));
  const counter = new MemoryCounter();
  const instances = Array.from({ length: size }, () => new FleetRateLimiter(clock, burstSeconds, counter, new RateLimiter(clock, burstSeconds)));
  const at = (ms: number) => clock.set(new Date(START + ms));
  /** `count` concurrent requests, spread round-robin over the instances; answers the waits. */
  const burst = (count: number, perSecond: number, key = 'k') =>
    Promise.all(Array.from({ length: count }, (_, i) => instances[i % size].take(key, perSecond)));
  return { counter, instances, at, burst, clock };
}

const admitted = (waits: number[]) => waits.filter((wait) => wait === 0).length;

describe('FleetRateLimiter', () => {
  it('admits exactly the budget across two instances, 40 concurrent requests against 10/s, and says to retry in 1 s', async () => {
    const { burst } = fleet(2);
    const waits = await burst(40, 10);
    expect(admitted(waits)).toBe(10);
    expect(waits.filter((wait) => wait !== 0).every((wait) => wait === 1)).toBe(true);
  });

  it('admits the budget again in the next window, and not before', async () => {
    const { burst, at } = fleet(3);
    expect(admitted(await burst(30, 10))).toBe(10);
    at(999);
    expect(admitted(await burst(6, 10))).toBe(0);
    at(1000);
    expect(admitted(await burst(30, 10))).toBe(10);
  });

  it('claims in chunks: most requests cost no round trip, and a spent window costs none', async () => {
    const { burst, counter, instances } = fleet(1);
    for (let i = 0; i < 100; i += 1) await instances[0].take('k', 100);
    expect(counter.calls).toBe(10); // 10% of the rate at a time
    expect(admitted(await burst(50, 100))).toBe(0);
    expect(counter.calls).toBe(10); // this instance was granted the whole budget: no need to ask
  });

  it('never grants more than what is left when instances claim at once, and gives back the rest', async () => {
    const { instances, counter } = fleet(4);
    // Sequential requests on alternating instances: each claims 10 when 10% of 100 is the chunk.
    const waits = [];
    for (let i = 0; i < 120; i += 1) waits.push(await instances[i % 4].take('k', 100));
    expect(admitted(waits)).toBeLessThanOrEqual(100);
    expect(admitted(waits)).toBeGreaterThanOrEqual(100 - 4 * 10);
    expect(counter.windows.get(`k@${START}`)).toBe(100);
  });

  it('approximates the burst: rate x burst in any burst consecutive windows', async () => {
    const { burst, at } = fleet(2, 2);
    expect(admitted(await burst(50, 10))).toBe(20); // a full burst after an idle spell
    at(1000);
    expect(admitted(await burst(50, 10))).toBe(0); // the last 2 s spent 20 already
    at(2000);
    expect(admitted(await burst(5, 10))).toBe(5);
    at(3000);
    expect(admitted(await burst(50, 10))).toBe(15); // 20 over [2 s, 4 s)
  });

  it('keeps one budget per key, and a rate of 0 means no limit and no round trip', async () => {
    const { burst, counter } = fleet(2);
    expect(admitted(await burst(5, 1, 'a'))).toBe(1);
    expect(admitted(await burst(5, 1, 'b'))).toBe(1);
    const calls = counter.calls;
    expect(admitted(await burst(500, 0, 'c'))).toBe(500);
    expect(counter.calls).toBe(calls);
  });

  it("falls back to the instance's own bucket while the shared count is unreachable", async () => {
    const { burst, counter } = fleet(1);
    counter.failing = true;
    const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    expect(admitted(await burst(5, 2))).toBe(2);
    expect(warn).toHaveBeenCalledWith(expect.stringContaining('limiting on this instance meanwhile'));
    warn.mockRestore();
  });

  it('deletes the windows no budget reads any more', async () => {
    const { burst, at, counter } = fleet(1, 2);
    await burst(1, 10);
    at(5000);
    await burst(1, 10);
    at(15_000);
    await burst(1, 10);
    await Promise.resolve();
    expect([...counter.windows.keys()]).toEqual([`k@${START + 15_000}`]);
  });

  it('serves a crowd with one claim: 50 concurrent requests on one instance cost one round trip', async () => {
    const { instances, counter } = fleet(1);
    const waits = await Promise.all(Array.from({ length: 50 }, () => instances[0].take('k', 100)));
    expect(admitted(waits)).toBe(50);
    expect(counter.calls).toBe(1);
  });

  it('claims only what its waiting requests need, leaving the rest of the window to other instances', async () => {
    const { instances } = fleet(2);
    expect(admitted(await Promise.all(Array.from({ length: 50 }, () => instances[0].take('k', 100))))).toBe(50);
    expect(await instances[0].take('k', 100)).toBe(0); // a chunk of 10 now, not another crowd's worth
    expect(admitted(await Promise.all(Array.from({ length: 50 }, () => instances[1].take('k', 100))))).toBe(40);
  });

  it('deletes old windows at most once every 10 s, not on every new window', async () => {
    const { instances, at, counter } = fleet(1, 2);
    for (let ms = 0; ms < 10_000; ms += 1000) {
      at(ms);
      await instances[0].take('k', 10);
    }
    expect(counter.deletions).toHaveLength(1);
    at(10_000);
    await instances[0].take('k', 10);
    expect(counter.deletions).toHaveLength(2);
  });

  it('keeps the windows a budget may still read: the last burstSeconds + 1 before the current one', async () => {
    const { burst, counter } = fleet(1, 2);
    for (let back = 1; back <= 5; back += 1) counter.windows.set(`other@${START - back * 1000}`, 1);
    await burst(1, 10);
    expect([...counter.windows.keys()].filter((id) => id.startsWith('other@')).sort()).toEqual([3000, 2000, 1000].map((back) => `other@${START - back}`));
  });

  it('forgets the leases of past windows when it sweeps, so keys used once do not stay in memory', async () => {
    const { instances, at } = fleet(1);
    const leases = (instances[0] as unknown as { leases: Map<string, unknown> }).leases;
    await instances[0].take('a', 10);
    await instances[0].take('b', 10);
    at(10_000);
    await instances[0].take('c', 10);
    expect([...leases.keys()]).toEqual(['c']);
  });

  it('goes on limiting when old windows cannot be deleted, and says so', async () => {
    const { burst, counter } = fleet(1);
    counter.deleteFailure = new Error('disk full');
    const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    expect(admitted(await burst(3, 2))).toBe(2);
    expect(warn).toHaveBeenCalledWith('could not delete old rate-limit windows: disk full');
    warn.mockRestore();
  });
});
