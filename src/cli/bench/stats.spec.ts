import { addTally, cpuPerAnswerUs, emptyTally, failedCount, failures, generatorCores, machineCores, okPerSecond, percentileOfSorted, summarize } from './stats';

describe('bench statistics', () => {
  it('takes the nearest-rank percentile: the smallest value with p% at or below it', () => {
    const hundred = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(percentileOfSorted(hundred, 50)).toBe(50);
    expect(percentileOfSorted(hundred, 99)).toBe(99);
    expect(percentileOfSorted(hundred, 99.9)).toBe(100);
    expect(percentileOfSorted(hundred, 100)).toBe(100);
    expect(percentileOfSorted([7], 50)).toBe(7);
    expect(percentileOfSorted([], 50)).toBeNaN();
  });

  it('sorts numerically before taking percentiles (not as strings)', () => {
    const summary = summarize([100, 9, 20, 3, 1000]);
    expect(summary).toEqual({ count: 5, p50: 20, p99: 1000, p999: 1000, max: 1000 });
  });

  it('sees a slow tail a per-round average would hide: 1 in 1000 slow is the p99.9', () => {
    const values = [...Array.from({ length: 998 }, () => 2), 500, 900];
    const summary = summarize(values);
    expect(summary.p99).toBe(2);
    expect(summary.p999).toBe(500);
    expect(summary.max).toBe(900);
  });

  it('adds rounds together and counts only 2xx as throughput', () => {
    const total = emptyTally();
    addTally(total, { ok: 900, statuses: new Map([[503, 100]]), errors: 0, latencies: [1, 2], seconds: 1, cpuSeconds: 0.5, generatorCpuSeconds: 0.25, machineCpuSeconds: 1.0 });
    addTally(total, { ok: 1100, statuses: new Map([[503, 1], [429, 2]]), errors: 3, latencies: [3], seconds: 1, cpuSeconds: 0.3, generatorCpuSeconds: 0.45, machineCpuSeconds: 1.9 });
    expect(total.ok).toBe(2000);
    expect(okPerSecond(total)).toBe(1000);
    expect(failedCount(total)).toBe(106);
    expect(failures(total)).toBe('429 x2, 503 x101, no answer x3');
    expect(total.latencies).toEqual([1, 2, 3]);
    // CPU per 2xx over both rounds: 0.8 s for 2,000 answers.
    expect(cpuPerAnswerUs(total)).toBeCloseTo(400, 6);
    expect(cpuPerAnswerUs(emptyTally())).toBeNaN();
    // The generator's CPU over both rounds' time: 0.7 s in 2 s, 35% of a core.
    expect(generatorCores(total)).toBeCloseTo(0.35, 6);
    expect(generatorCores(emptyTally())).toBeNaN();
    // The machine: 2.9 s busy in 2 s, 1.5 s of it neither the target's nor the generator's.
    expect(machineCores(total).busy).toBeCloseTo(1.45, 6);
    expect(machineCores(total).others).toBeCloseTo(0.7, 6);
    expect(machineCores(emptyTally())).toEqual({ busy: Number.NaN, others: Number.NaN });
    expect(failures(emptyTally())).toBe('none');
    expect(okPerSecond(emptyTally())).toBe(0);
  });

  it("reads no other processes' CPU below zero, when the machine's ticks come out under the processes' own", () => {
    // Both are read in 10 ms ticks at slightly different moments.
    const tally = { ...emptyTally(), seconds: 1, cpuSeconds: 0.62, generatorCpuSeconds: 0.2, machineCpuSeconds: 0.8 };
    expect(machineCores(tally)).toEqual({ busy: 0.8, others: 0 });
  });
});
