import { OpenLoopClock, Outcome, runOpenLoop, scheduledAt } from './open-loop';

/**
 * A clock that moves only when the loop waits, and then `lateMs` more than asked (a late timer).
 * It moves after a turn of the microtask queue, as a real timer fires after the answers
 * already in hand have been handled.
 */
function fakeClock(lateMs: number): OpenLoopClock & { time: number } {
  const clock = {
    time: 1000,
    now: () => clock.time,
    wait: async (ms: number) => {
      await Promise.resolve();
      clock.time += ms + lateMs;
    },
  };
  return clock;
}

describe('runOpenLoop', () => {
  it('sends rate x duration requests, each due 1000/rate ms after the one before', () => {
    expect(scheduledAt(50, 1000, 0)).toBe(50);
    expect(scheduledAt(50, 1000, 7)).toBe(57);
    expect(scheduledAt(0, 200, 3)).toBe(15);
  });

  it('counts latency from the scheduled time when the generator sends late (no coordinated omission)', async () => {
    // 1000/s for 10 ms: due at +0..+9 ms. The timer fires 4 ms late each time, so requests
    // go out in bunches; the service answers at once (the clock does not move in send).
    const clock = fakeClock(4);
    const result = await runOpenLoop({ ratePerSecond: 1000, durationMs: 10 }, async () => ({ status: 201 }), clock);
    expect(result.sent).toBe(10);
    expect(result.ok).toBe(10);
    // Sent at +0 (0 late), then at +5 (due +1..+5), then at +10 (due +6..+9).
    expect(result.lags).toEqual([0, 4, 3, 2, 1, 0, 4, 3, 2, 1]);
    // Answered when sent: the latency is the lag, not the 0 ms the request itself took.
    expect(result.latencies).toEqual(result.lags);
  });

  it('keeps sending on schedule while earlier requests have not answered, and charges them the wait', async () => {
    const clock = fakeClock(0);
    const pending: { index: number; answer: (outcome: Outcome) => void }[] = [];
    const run = runOpenLoop(
      { ratePerSecond: 100, durationMs: 50 },
      (index) => new Promise<Outcome>((answer) => pending.push({ index, answer })),
      clock,
    );
    // Let the loop run: every wait resolves at once, the schedule is 5 requests 10 ms apart.
    for (let i = 0; i < 20 && pending.length < 5; i++) await Promise.resolve();
    await new Promise((resolve) => setImmediate(resolve));
    expect(pending.map((p) => p.index)).toEqual([0, 1, 2, 3, 4]);
    // The service answers them all at once, 100 ms after the first was due (at 1000).
    clock.time = 1100;
    for (const p of pending) p.answer({ status: 201 });
    const result = await run;
    expect(result.latencies).toEqual([100, 90, 80, 70, 60]);
  });

  it('counts non-2xx answers and errors apart from the 2xx, with no latency for them', async () => {
    const clock = fakeClock(0);
    const outcomes: Outcome[] = [{ status: 201 }, { status: 503 }, { error: 'ECONNRESET' }, { status: 200 }, { status: 503 }];
    const result = await runOpenLoop({ ratePerSecond: 1000, durationMs: 5 }, async (index) => outcomes[index], clock);
    expect(result.ok).toBe(2);
    expect(result.errors).toBe(1);
    expect([...result.statuses]).toEqual([[503, 2]]);
    expect(result.latencies).toHaveLength(2);
  });

  it('counts a send that throws as an error, not a crash', async () => {
    const result = await runOpenLoop({ ratePerSecond: 1000, durationMs: 2 }, () => Promise.reject(new Error('boom')), fakeClock(0));
    expect(result.errors).toBe(2);
    expect(result.ok).toBe(0);
  });
});
