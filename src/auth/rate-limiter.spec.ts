import { FixedClock } from '../common/time/clock';
import { RateLimiter } from './rate-limiter';

describe('RateLimiter', () => {
  const start = new Date('2026-06-15T12:00:00Z');
  const at = (clock: FixedClock, ms: number) => clock.set(new Date(start.getTime() + ms));

  it('allows a burst of rate x burstSeconds, then says how long to wait', () => {
    const clock = new FixedClock(start);
    const limiter = new RateLimiter(clock, 2);
    const waits = Array.from({ length: 7 }, () => limiter.take('k', 3));
    expect(waits).toEqual([0, 0, 0, 0, 0, 0, 1]);
  });

  it('refills at the rate, never above the burst', () => {
    const clock = new FixedClock(start);
    const limiter = new RateLimiter(clock, 1);
    for (let i = 0; i < 4; i += 1) limiter.take('k', 4);
    expect(limiter.take('k', 4)).toBe(1);
    at(clock, 500); // half a second: two tokens back
    expect([limiter.take('k', 4), limiter.take('k', 4), limiter.take('k', 4)]).toEqual([0, 0, 1]);
    at(clock, 60_000); // a long pause refills to the burst only
    expect(Array.from({ length: 5 }, () => limiter.take('k', 4))).toEqual([0, 0, 0, 0, 1]);
  });

  it('never admits on a fraction of a token: a request waits until a whole one has refilled', () => {
    const clock = new FixedClock(start);
    const limiter = new RateLimiter(clock, 1);
    for (let i = 0; i < 4; i += 1) limiter.take('k', 4);
    at(clock, 125); // half a token back
    expect(limiter.take('k', 4)).toBe(1);
    at(clock, 249); // just short of one token
    expect(limiter.take('k', 4)).toBe(1);
    at(clock, 250);
    expect([limiter.take('k', 4), limiter.take('k', 4)]).toEqual([0, 1]);
  });

  it('keeps one bucket per key, and a rate of 0 means no limit', () => {
    const limiter = new RateLimiter(new FixedClock(start), 1);
    expect([limiter.take('a', 1), limiter.take('a', 1), limiter.take('b', 1)]).toEqual([0, 1, 0]);
    expect(Array.from({ length: 1000 }, () => limiter.take('c', 0)).every((wait) => wait === 0)).toBe(true);
  });

  it('rounds the wait up to whole seconds for Retry-After', () => {
    const limiter = new RateLimiter(new FixedClock(start), 1);
    limiter.take('slow', 0.25 as number);
    expect(limiter.take('slow', 0.25)).toBe(4);
  });

  it('admits everything at a rate of 0, even for a key whose bucket was spent at a rate it had before', () => {
    const limiter = new RateLimiter(new FixedClock(start), 1);
    expect([limiter.take('k', 1), limiter.take('k', 1)]).toEqual([0, 1]);
    expect([limiter.take('k', 0), limiter.take('k', 0)]).toEqual([0, 0]);
  });

  it('counts the part of a token already refilled: the wait is what is left to a whole one', () => {
    const clock = new FixedClock(start);
    const limiter = new RateLimiter(clock, 1);
    limiter.take('k', 1);
    at(clock, 500); // half a token back: half a second to go, 1 s once rounded up
    expect(limiter.take('k', 1)).toBe(1);
    const slow = new RateLimiter(clock, 1);
    slow.take('k', 0.25);
    at(clock, 2500); // half a token back at 0.25/s: 2 s to go
    expect(slow.take('k', 0.25)).toBe(2);
  });
});
