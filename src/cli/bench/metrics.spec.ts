import { addSnapshot, cacheHitRate, commitsOver, difference, emptySnapshot, parseMetrics, signature } from './metrics';

const scrape = (hits: number, ok: number, calls: number, decisions: number, start = '1765000000') =>
  [
    '# HELP linetrust_signal_queries_total Signal queries by signal, provider and result.',
    '# TYPE linetrust_signal_queries_total counter',
    `linetrust_signal_queries_total{signal="tenure",provider="sandbox",result="ok"} ${ok}`,
    `linetrust_signal_queries_total{signal="sim_swap",provider="sandbox",result="cache_hit"} ${hits}`,
    'linetrust_signal_queries_total{signal="device_swap",provider="sandbox",result="not_applicable"} 2',
    `linetrust_signal_operator_calls_total{signal="tenure",provider="sandbox"} ${calls}`,
    `linetrust_decisions_total{use_case="onboarding",outcome="ALLOW"} ${decisions}`,
    'linetrust_decisions_total{use_case="onboarding",outcome="BLOCK"} 1',
    `process_start_time_seconds ${start}`,
    'linetrust_decision_duration_seconds_bucket{use_case="onboarding",le="0.005"} 99',
    'nodejs_heap_size_total_bytes 83886080',
    'nodejs_heap_size_used_bytes 41943040',
    'nodejs_external_memory_bytes 5242880',
    'nodejs_heap_space_size_used_bytes{space="old"} 1',
  ].join('\n');

describe('bench metrics', () => {
  it('reads signal queries by result, operator calls, decisions and the process', () => {
    const snapshot = parseMetrics(scrape(30, 70, 70, 40));
    expect([...snapshot.queries]).toEqual([
      ['ok', 70],
      ['cache_hit', 30],
      ['not_applicable', 2],
    ]);
    expect(snapshot.operatorCalls).toBe(70);
    expect(snapshot.decisions).toBe(41);
    expect(snapshot.startTime).toBe('1765000000');
  });

  it("reads the process's heap figures, and adds them up over workers", () => {
    const one = parseMetrics(scrape(30, 70, 70, 40));
    expect(one.memory).toEqual({ heapUsed: 40 * 1_048_576, heapTotal: 80 * 1_048_576, external: 5 * 1_048_576 });
    const two = addSnapshot(addSnapshot(emptySnapshot(), one), parseMetrics(scrape(30, 70, 70, 40, '1765000001')));
    expect(two.memory).toEqual({ heapUsed: 80 * 1_048_576, heapTotal: 160 * 1_048_576, external: 10 * 1_048_576 });
  });

  it('gives the cache hit rate of a phase from the scrapes before and after it', () => {
    const before = parseMetrics(scrape(30, 70, 70, 40));
    const after = parseMetrics(scrape(130, 170, 170, 140));
    const phase = difference(after, before);
    expect(cacheHitRate(phase)).toBe(0.5);
    expect(phase.decisions).toBe(100);
    expect(cacheHitRate(emptySnapshot())).toBeNaN();
  });

  it('adds the workers up', () => {
    const total = addSnapshot(addSnapshot(emptySnapshot(), parseMetrics(scrape(1, 3, 3, 5, 'a'))), parseMetrics(scrape(3, 1, 1, 5, 'b')));
    // 4 hits of 12 queries: 1 + 3 hits, 3 + 1 ok, 2 + 2 not_applicable.
    expect(cacheHitRate(total)).toBe(4 / 12);
    expect(total.decisions).toBe(12);
  });
});

describe('the decision path\'s commits', () => {
  /** One process's commit histogram: `decisions` and `claims` commits, cumulative per bound. */
  const commits = (decisions: number[], claims: number[], sums: [number, number]) =>
    [
      '# TYPE linetrust_decision_commit_seconds histogram',
      ...['0.025', '0.1', '+Inf'].map((le, i) => `linetrust_decision_commit_seconds_bucket{le="${le}",kind="decisions"} ${decisions[i]}`),
      `linetrust_decision_commit_seconds_sum{kind="decisions"} ${sums[0]}`,
      `linetrust_decision_commit_seconds_count{kind="decisions"} ${decisions[2]}`,
      ...['0.025', '0.1', '+Inf'].map((le, i) => `linetrust_decision_commit_seconds_bucket{le="${le}",kind="claims"} ${claims[i]}`),
      `linetrust_decision_commit_seconds_sum{kind="claims"} ${sums[1]}`,
      `linetrust_decision_commit_seconds_count{kind="claims"} ${claims[2]}`,
    ].join('\n');

  it('adds both kinds, and counts those slower than a bound from the buckets', () => {
    const snapshot = parseMetrics(commits([90, 98, 100], [9, 10, 10], [0.5, 0.05]));
    expect(snapshot.commits.count).toBe(110);
    expect(snapshot.commits.seconds).toBeCloseTo(0.55);
    expect(commitsOver(snapshot.commits, 0.025)).toBe(11);
    expect(commitsOver(snapshot.commits, 0.1)).toBe(2);
    expect(commitsOver(snapshot.commits, 0.05)).toBeNaN(); // not a bound of the histogram
  });

  it('gives a phase its own commits, and adds the workers up', () => {
    const before = parseMetrics(commits([90, 98, 100], [10, 10, 10], [0.5, 0.05]));
    const after = parseMetrics(commits([190, 199, 202], [10, 10, 10], [1.5, 0.05]));
    const phase = difference(after, before);
    expect([phase.commits.count, commitsOver(phase.commits, 0.025), commitsOver(phase.commits, 0.1)]).toEqual([102, 2, 1]);
    expect(phase.commits.seconds).toBeCloseTo(1);
    const two = addSnapshot(addSnapshot(emptySnapshot(), phase), phase);
    expect([two.commits.count, commitsOver(two.commits, 0.1)]).toEqual([204, 2]);
  });
});

describe('telling workers apart', () => {
  it('by their counters, since workers forked together share a start second', () => {
    const a = parseMetrics(scrape(1, 3, 3, 5, '1765000000'));
    const b = parseMetrics(scrape(3, 1, 1, 7, '1765000000'));
    expect(signature(a)).not.toBe(signature(b));
    expect(signature(a)).toBe(signature(parseMetrics(scrape(1, 3, 3, 5, '1765000000'))));
  });
});
