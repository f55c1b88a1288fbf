import { Histogram, Registry } from 'prom-client';
import type { CommitListeners } from '../decisions/commit-listeners';

/**
 * From a lone decision's commit (0.2-0.4 ms on a local SSD) to a disk that stalls: this
 * machine's virtual disk took 25-214 ms for some fsyncs, several times a minute, and every
 * decision waiting on that commit waited as long (docs/benchmarks.md#disk-stalls).
 */
const COMMIT_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

/**
 * The time each batch of the decision path took to commit durably, registered by the decisions
 * module (whose writers time them). An answer waits for its decision's commit, so a slow disk
 * shows here before anywhere else: compare with linetrust_decision_duration_seconds.
 */
export function registerCommitMetrics(registry: Registry, commits: CommitListeners): Histogram<'kind'> {
  const seconds = new Histogram({
    name: 'linetrust_decision_commit_seconds',
    help: "Time to commit one batch of the decision path's writes durably (decisions, or Idempotency-Key claims): the wait for the write lock, the statements and the fsync.",
    labelNames: ['kind'] as const,
    buckets: COMMIT_BUCKETS,
    registers: [registry],
  });
  for (const kind of ['decisions', 'claims']) seconds.zero({ kind });
  commits.add(({ kind, seconds: took }) => seconds.observe({ kind }, took));
  return seconds;
}
