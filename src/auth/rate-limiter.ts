import { Clock } from '../common/time/clock';

interface Bucket {
  tokens: number;
  at: number;
}

/**
 * Admits a key's request or says how long to wait: the guard asks once per request. In memory
 * (RateLimiter) for one instance; shared through the database (FleetRateLimiter) for a fleet.
 */
export abstract class KeyRateLimiter {
  /** 0 when admitted, else the seconds to wait (Retry-After). A rate of 0 means no limit. */
  abstract take(key: string, perSecond: number): number | Promise<number>;
}

/**
 * A token bucket per API key: `perSecond` requests a second on average, bursts of
 * `perSecond * burstSeconds`. In memory: with several instances, each enforces the limit on
 * its own share of the traffic.
 */
export class RateLimiter extends KeyRateLimiter {
  private readonly buckets = new Map<string, Bucket>();

  constructor(
    private readonly clock: Clock,
    private readonly burstSeconds: number,
  ) {
    super();
  }

  /** Takes one token; returns 0 when allowed, else the seconds until one is available. */
  take(key: string, perSecond: number): number {
    const wait = this.wait(key, perSecond);
    if (wait === 0 && perSecond > 0) (this.buckets.get(key) as Bucket).tokens -= 1;
    return wait;
  }

  /** What take would answer, without taking: 0 when a token is there. */
  private wait(key: string, perSecond: number): number {
    if (perSecond <= 0) return 0;
    const now = this.clock.now().getTime();
    const capacity = Math.max(1, perSecond * this.burstSeconds);
    const bucket = this.buckets.get(key) ?? { tokens: capacity, at: now };
    const elapsed = Math.max(0, now - bucket.at) / 1000;
    bucket.tokens = Math.min(capacity, bucket.tokens + elapsed * perSecond);
    bucket.at = now;
    this.buckets.set(key, bucket);
    return bucket.tokens >= 1 ? 0 : Math.max(1, Math.ceil((1 - bucket.tokens) / perSecond));
  }
}
