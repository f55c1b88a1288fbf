import { Clock } from '../common/time/clock';

interface Bucket {
  tokens: number;
  at: number;
}

/**
 * A token bucket per API key: `perSecond` requests a second on average, bursts of
 * `perSecond * burstSeconds`. In memory: with several instances, each enforces the limit on
 * its own share of the traffic.
 */
export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>();

  constructor(
    private readonly clock: Clock,
    private readonly burstSeconds: number,
  ) {}

  /** Takes one token; returns 0 when allowed, else the seconds until one is available. */
  take(keyId: string, perSecond: number): number {
    if (perSecond <= 0) return 0;
    const now = this.clock.now().getTime();
    const capacity = Math.max(1, perSecond * this.burstSeconds);
    const bucket = this.buckets.get(keyId) ?? { tokens: capacity, at: now };
    const elapsed = Math.max(0, now - bucket.at) / 1000;
    bucket.tokens = Math.min(capacity, bucket.tokens + elapsed * perSecond);
    bucket.at = now;
    this.buckets.set(keyId, bucket);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return 0;
    }
    return Math.max(1, Math.ceil((1 - bucket.tokens) / perSecond));
  }

  forget(keyId: string): void {
    this.buckets.delete(keyId);
  }
}
