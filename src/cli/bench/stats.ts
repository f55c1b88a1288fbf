// Latency percentiles over every answer of a phase (not an average of per-round figures), and
// the tallies the report prints.

/** Sorts in place, ascending, and returns the array (numbers, not Array.prototype.sort's strings). */
export function sortNumbers(values: number[]): number[] {
  return values.sort((a, b) => a - b);
}

/**
 * Nearest-rank percentile of an ascending array, p in (0, 100]: the smallest value with at
 * least p% of the values at or below it. NaN for no values.
 */
export function percentileOfSorted(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  // p x n first: (99.9 / 100) x 1000 is 999.0000000000001 in floating point, a rank too far.
  const rank = Math.ceil((p * sorted.length) / 100 - 1e-9);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))];
}

export interface LatencySummary {
  count: number;
  p50: number;
  p99: number;
  p999: number;
  max: number;
}

/** p50, p99, p99.9 and max of `values` (sorted here, in place). */
export function summarize(values: number[]): LatencySummary {
  const sorted = sortNumbers(values);
  return {
    count: sorted.length,
    p50: percentileOfSorted(sorted, 50),
    p99: percentileOfSorted(sorted, 99),
    p999: percentileOfSorted(sorted, 99.9),
    max: sorted.length ? sorted[sorted.length - 1] : Number.NaN,
  };
}

/** What a phase's requests came to: the 2xx (with their latencies) and everything else. */
export interface Tally {
  ok: number;
  /** Non-2xx answers, by status. */
  statuses: Map<number, number>;
  /** No answer: connection errors and timeouts. */
  errors: number;
  /** Latencies in ms of the 2xx answers. */
  latencies: number[];
  /** Wall time of the phase, in seconds. */
  seconds: number;
  /**
   * CPU seconds the target (its process and threads, with WORKERS=N its workers too) spent in
   * the phase, NaN where /proc is not there. Per answer, it does not depend on what else the
   * machine runs, unlike the rate: the figure to compare between runs.
   */
  cpuSeconds: number;
  /**
   * CPU seconds the bench process itself spent in the phase: the load generator. On a machine
   * with few cores, what it takes is not the service's: it says how much of the machine the
   * service had.
   */
  generatorCpuSeconds: number;
  /**
   * CPU seconds the whole machine spent in the phase, every core and process (the kernel's
   * included), NaN where /proc is not there: with the two above, what else ran meanwhile.
   */
  machineCpuSeconds: number;
}

export function emptyTally(): Tally {
  return { ok: 0, statuses: new Map(), errors: 0, latencies: [], seconds: 0, cpuSeconds: 0, generatorCpuSeconds: 0, machineCpuSeconds: 0 };
}

export function failedCount(tally: Tally): number {
  let failed = tally.errors;
  for (const count of tally.statuses.values()) failed += count;
  return failed;
}

/** Adds `from` into `into` (rounds of one phase into its total). */
export function addTally(into: Tally, from: Tally): Tally {
  into.ok += from.ok;
  into.errors += from.errors;
  into.seconds += from.seconds;
  into.cpuSeconds += from.cpuSeconds;
  into.generatorCpuSeconds += from.generatorCpuSeconds;
  into.machineCpuSeconds += from.machineCpuSeconds;
  for (const [status, count] of from.statuses) into.statuses.set(status, (into.statuses.get(status) ?? 0) + count);
  for (const value of from.latencies) into.latencies.push(value);
  return into;
}

/** Successful answers per second: only the 2xx count as throughput. */
export function okPerSecond(tally: Tally): number {
  return tally.seconds > 0 ? tally.ok / tally.seconds : 0;
}

/** CPU microseconds per 2xx answer (NaN for none, or without /proc). */
export function cpuPerAnswerUs(tally: Tally): number {
  return tally.ok > 0 ? (tally.cpuSeconds * 1e6) / tally.ok : Number.NaN;
}

/** The load generator's CPU over the phases' time: 0.5 is half of one core (NaN without time). */
export function generatorCores(tally: Tally): number {
  return tally.seconds > 0 ? tally.generatorCpuSeconds / tally.seconds : Number.NaN;
}

/** `503 x20, no answer x3`, or `none`. */
export function failures(tally: Tally): string {
  const parts = [...tally.statuses].sort(([a], [b]) => a - b).map(([status, count]) => `${status} x${count}`);
  if (tally.errors > 0) parts.push(`no answer x${tally.errors}`);
  return parts.length ? parts.join(', ') : 'none';
}

/**
 * The machine's busy cores over the phases' time, and those busy with neither the target nor the
 * generator (other processes, the kernel's threads): 1.5 is one and a half cores.
 */
export function machineCores(tally: Tally): { busy: number; others: number } {
  if (!(tally.seconds > 0)) return { busy: Number.NaN, others: Number.NaN };
  return { busy: tally.machineCpuSeconds / tally.seconds, others: Math.max(0, tally.machineCpuSeconds - tally.cpuSeconds - tally.generatorCpuSeconds) / tally.seconds };
}
