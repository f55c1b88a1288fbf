// An open-loop load: requests go out on a fixed schedule whether or not earlier ones have
// answered, and each one's latency counts from its scheduled send time, not from when it
// actually left. A service that stalls for a second is charged the second to every request
// scheduled in it (no coordinated omission), and a generator that falls behind shows in its
// lag figure, not as a shorter latency.
import { emptyTally, Tally } from './stats';

/** What one request came to: an HTTP status, or none (connection error, timeout). */
export type Outcome = { status: number } | { error: string };

export interface OpenLoopClock {
  /** Milliseconds, monotonic. */
  now(): number;
  /** Resolves after about `ms` (a timer may fire late: the schedule does not move). */
  wait(ms: number): Promise<void>;
}

export interface OpenLoopPlan {
  ratePerSecond: number;
  durationMs: number;
}

export interface OpenLoopResult extends Tally {
  /** Requests scheduled and sent. */
  sent: number;
  /** How late the generator sent each request after its scheduled time, in ms (ascending is not guaranteed). */
  lags: number[];
}

export const realClock: OpenLoopClock = {
  now: () => performance.now(),
  wait: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

/** When request `index` is due: `interval` ms apart from `start`. */
export function scheduledAt(start: number, ratePerSecond: number, index: number): number {
  return start + (index * 1000) / ratePerSecond;
}

/**
 * Sends `rate x duration` requests on schedule with `send(index)`, never waiting for an answer
 * before sending the next; resolves when every one has an outcome. 2xx latencies (from the
 * scheduled time) go to `latencies`; other statuses and errors are counted.
 */
export async function runOpenLoop(plan: OpenLoopPlan, send: (index: number) => Promise<Outcome>, clock: OpenLoopClock = realClock): Promise<OpenLoopResult> {
  const total = Math.max(0, Math.round((plan.ratePerSecond * plan.durationMs) / 1000));
  const result: OpenLoopResult = { ...emptyTally(), sent: 0, lags: [] };
  const answered: Promise<void>[] = [];
  const start = clock.now();
  const settle = (due: number, outcome: Outcome) => {
    if ('error' in outcome) {
      result.errors += 1;
    } else if (outcome.status >= 200 && outcome.status < 300) {
      result.ok += 1;
      result.latencies.push(clock.now() - due);
    } else {
      result.statuses.set(outcome.status, (result.statuses.get(outcome.status) ?? 0) + 1);
    }
  };
  let next = 0;
  while (next < total) {
    const now = clock.now();
    while (next < total && scheduledAt(start, plan.ratePerSecond, next) <= now) {
      const due = scheduledAt(start, plan.ratePerSecond, next);
      result.lags.push(now - due);
      const index = next++;
      result.sent += 1;
      answered.push(
        send(index).then(
          (outcome) => settle(due, outcome),
          (error: unknown) => settle(due, { error: String(error) }),
        ),
      );
    }
    if (next < total) await clock.wait(Math.max(0, scheduledAt(start, plan.ratePerSecond, next) - clock.now()));
  }
  await Promise.all(answered);
  result.seconds = (clock.now() - start) / 1000;
  return result;
}
