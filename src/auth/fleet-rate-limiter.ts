import { Logger } from '@nestjs/common';
import { Clock } from '../common/time/clock';
import { KeyRateLimiter, RateLimiter } from './rate-limiter';

/** The per-key, per-window counts every instance adds to (the RateLimitWindow table). */
export abstract class SharedWindowCounter {
  /** Adds `amount` (negative to give back) to the key's count in the window; answers the new count. */
  abstract add(apiKeyId: string, windowStart: number, amount: number): Promise<number>;
  /** The key's counts summed over the windows starting in [from, to). */
  abstract sum(apiKeyId: string, from: number, to: number): Promise<number>;
  /** Deletes every key's windows that started before `before`; answers how many. */
  abstract deleteBefore(before: number): Promise<number>;
}

export const WINDOW_MS = 1000;
/** Share of a key's per-second rate an instance claims at a time: 10 claims a second at full rate. */
export const CLAIM_SHARE = 0.1;
/** How often an instance deletes the windows no budget reads any more. */
const SWEEP_EVERY_MS = 10_000;

/** What this instance may admit for one key in one window. */
interface Lease {
  windowStart: number;
  /** The fleet's budget for this window, read at the first claim. */
  budget?: number;
  granted: number;
  used: number;
  /** The fleet has spent the window's budget: refuse without asking again until the next window. */
  exhausted: boolean;
  /** Requests waiting for a claim, so that one claim serves them all. */
  waiting: number;
  claim?: Promise<void>;
}

/**
 * A key's rate limit held across instances. Time is cut into 1-second windows; the fleet may
 * admit `perSecond * burstSeconds` in any `burstSeconds` consecutive windows (the token
 * bucket's burst after an idle spell, its rate on average). Each instance admits from a lease
 * it claims from the shared count of the window, a chunk at a time (CLAIM_SHARE of the rate,
 * or as many as are waiting), so most requests cost no database round trip. A claim is granted
 * only what is left of the window's budget, so the fleet never admits more than the budget in a
 * window; it may refuse while part of the budget sits leased to another instance unused (at
 * most one chunk per instance). If the shared count cannot be reached, the instance falls back
 * to its own token bucket rather than refusing or admitting everything.
 */
export class FleetRateLimiter extends KeyRateLimiter {
  private readonly logger = new Logger(FleetRateLimiter.name);
  private readonly leases = new Map<string, Lease>();
  private lastSweep = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly clock: Clock,
    private readonly burstSeconds: number,
    private readonly counter: SharedWindowCounter,
    private readonly fallback: RateLimiter,
  ) {
    super();
  }

  async take(key: string, perSecond: number): Promise<number> {
    if (perSecond <= 0) return 0;
    for (;;) {
      const now = this.clock.now().getTime();
      const windowStart = now - (now % WINDOW_MS);
      const lease = this.lease(key, windowStart);
      if (lease.used < lease.granted) {
        lease.used += 1;
        return 0;
      }
      if (lease.exhausted) {
        // Stryker disable next-line ArithmeticOperator: windowStart - WINDOW_MS gives a negative wait, which Math.max below turns into the same 1 s
        const nextWindow = windowStart + WINDOW_MS;
        // Stryker disable next-line MethodExpression: a window is 1 s long, so the wait rounded up is exactly 1 s and Math.min(1, ...) gives it too
        return Math.max(1, Math.ceil((nextWindow - now) / 1000));
      }
      lease.waiting += 1;
      try {
        lease.claim ??= this.claim(key, lease, perSecond).finally(() => (lease.claim = undefined));
        await lease.claim;
      } catch {
        return this.fallback.take(key, perSecond);
      } finally {
        lease.waiting -= 1;
      }
    }
  }

  private lease(key: string, windowStart: number): Lease {
    const current = this.leases.get(key);
    if (current && current.windowStart === windowStart) return current;
    const fresh: Lease = { windowStart, granted: 0, used: 0, exhausted: false, waiting: 0 };
    this.leases.set(key, fresh);
    this.sweep(windowStart);
    return fresh;
  }

  /** Claims a chunk of the window's budget; marks the lease exhausted when less was left. */
  private async claim(key: string, lease: Lease, perSecond: number): Promise<void> {
    try {
      lease.budget ??= await this.windowBudget(key, lease.windowStart, perSecond);
      const left = lease.budget - lease.granted;
      if (left <= 0) {
        lease.exhausted = true;
        return;
      }
      const amount = Math.min(left, Math.max(Math.ceil(perSecond * CLAIM_SHARE), lease.waiting));
      const count = await this.counter.add(key, lease.windowStart, amount);
      const grant = Math.max(0, Math.min(amount, lease.budget - (count - amount)));
      lease.granted += grant;
      if (grant < amount) {
        lease.exhausted = true;
        // Give back what was not granted: the count is what the next windows' budgets read.
        await this.counter.add(key, lease.windowStart, grant - amount);
      }
    } catch (error) {
      this.logger.warn(`shared rate-limit count unreachable, limiting on this instance meanwhile: ${(error as Error).message}`);
      throw error;
    }
  }

  /** rate x burst, less what the previous burst-1 windows admitted: a sliding token bucket. */
  private async windowBudget(key: string, windowStart: number, perSecond: number): Promise<number> {
    const allowance = perSecond * this.burstSeconds;
    if (this.burstSeconds <= 1) return allowance;
    return allowance - (await this.counter.sum(key, windowStart - (this.burstSeconds - 1) * WINDOW_MS, windowStart));
  }

  /** Every SWEEP_EVERY_MS: forgets past leases here and deletes windows no budget reads any more. */
  private sweep(windowStart: number): void {
    if (windowStart - this.lastSweep < SWEEP_EVERY_MS) return;
    this.lastSweep = windowStart;
    for (const [key, lease] of this.leases) if (lease.windowStart < windowStart && !lease.claim) this.leases.delete(key);
    const before = windowStart - (this.burstSeconds + 1) * WINDOW_MS;
    this.counter.deleteBefore(before).catch((error: unknown) => this.logger.warn(`could not delete old rate-limit windows: ${(error as Error).message}`));
  }
}
