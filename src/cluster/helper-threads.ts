/**
 * V8 runs its GC and compiler tasks on a pool of helper threads: 4 by default, whatever the
 * machine has (Node's `--v8-pool-size`). With WORKERS processes on a machine each brings its
 * own pool, so 2 workers on 2 cores ran 8 helpers beside 2 main threads and 2 SQLite writer
 * threads. A worker gets what its share of the cores leaves after its main thread, at least
 * one. On 2 cores that is 1, and A B runs there gave a lower open-loop p99 and RSS with the
 * same CPU per decision (docs/benchmarks.md#helper-threads).
 */
export function helperThreadsFor(cores: number, workers: number): number {
  return Math.max(1, Math.floor(cores / workers) - 1);
}

const POOL_SIZE = /^--v8-pool-size(=|$)/;

/**
 * The workers' Node arguments: the primary's own, plus `--v8-pool-size` sized as above unless
 * the operator already chose one (on the command line or in NODE_OPTIONS, which the workers
 * inherit).
 */
export function workerExecArgv(execArgv: readonly string[], nodeOptions: string | undefined, cores: number, workers: number): string[] {
  const chosen = [...execArgv, ...(nodeOptions ?? '').split(/\s+/)].some((arg) => POOL_SIZE.test(arg));
  return chosen ? [...execArgv] : [...execArgv, `--v8-pool-size=${helperThreadsFor(cores, workers)}`];
}
