// What the service counted itself, from GET /metrics (Prometheus text): signal queries by
// result (a cache hit is `result="cache_hit"`), operator calls, decisions and commit times.
// With WORKERS=N each worker answers for itself, so the bench scrapes over new connections until
// it has seen every worker (told apart by process_start_time_seconds) and adds them up.
import { get } from 'node:http';

export interface MetricsSnapshot {
  /** Signal queries by result label (ok, cache_hit, not_subscriber, ...). */
  queries: Map<string, number>;
  operatorCalls: number;
  decisions: number;
  /** How many processes' /metrics this adds up. */
  processes: number;
  /** Gauges at the scrape (bytes, summed over the processes): where the RSS goes. */
  memory: HeapFigures;
  /** The decision path's commits (linetrust_decision_commit_seconds, both kinds added). */
  commits: CommitFigures;
}

/** Commits counted, their summed time, and how many took longer than each bucket bound. */
export interface CommitFigures {
  count: number;
  seconds: number;
  /** Bucket bound (seconds) -> commits at or under it, cumulative as Prometheus gives them. */
  atMost: Map<number, number>;
}

/** The V8 heap (used, and reserved) and the memory held outside it (Buffers, native objects). */
export interface HeapFigures {
  heapUsed: number;
  heapTotal: number;
  external: number;
}

const MEMORY_GAUGES: Record<string, keyof HeapFigures> = {
  nodejs_heap_size_used_bytes: 'heapUsed',
  nodejs_heap_size_total_bytes: 'heapTotal',
  nodejs_external_memory_bytes: 'external',
};

const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)$/;

/** Parses the counters the bench reads from one scrape. */
export function parseMetrics(text: string): MetricsSnapshot & { startTime: string } {
  const snapshot = { queries: new Map<string, number>(), operatorCalls: 0, decisions: 0, processes: 1, memory: emptyHeap(), commits: emptyCommits(), startTime: '' };
  for (const sample of text.split('\n')) {
    const match = SAMPLE.exec(sample);
    if (!match) continue;
    const [, name, labels = '', value] = match;
    if (name === 'linetrust_signal_queries_total') {
      const result = /result="([^"]*)"/.exec(labels)?.[1] ?? 'unknown';
      addCount(snapshot.queries, result, Number(value));
    } else if (name === 'linetrust_signal_operator_calls_total') {
      snapshot.operatorCalls += Number(value);
    } else if (name === 'linetrust_decisions_total') {
      snapshot.decisions += Number(value);
    } else if (name === 'linetrust_decision_commit_seconds_count') {
      snapshot.commits.count += Number(value);
    } else if (name === 'linetrust_decision_commit_seconds_sum') {
      snapshot.commits.seconds += Number(value);
    } else if (name === 'linetrust_decision_commit_seconds_bucket') {
      const bound = Number(/le="([^"]*)"/.exec(labels)?.[1]);
      if (Number.isFinite(bound)) addCount(snapshot.commits.atMost, bound, Number(value));
    } else if (name in MEMORY_GAUGES) {
      snapshot.memory[MEMORY_GAUGES[name]] = Number(value);
    } else if (name === 'process_start_time_seconds') {
      snapshot.startTime = value;
    }
  }
  return snapshot;
}

const emptyHeap = (): HeapFigures => ({ heapUsed: 0, heapTotal: 0, external: 0 });
const emptyCommits = (): CommitFigures => ({ count: 0, seconds: 0, atMost: new Map() });

export function emptySnapshot(): MetricsSnapshot {
  return { queries: new Map(), operatorCalls: 0, decisions: 0, processes: 0, memory: emptyHeap(), commits: emptyCommits() };
}

/** How many commits took longer than `seconds` (a bucket bound of the histogram; NaN for another). */
export function commitsOver(commits: CommitFigures, seconds: number): number {
  const atMost = commits.atMost.get(seconds);
  return atMost === undefined ? Number.NaN : commits.count - atMost;
}

/** Adds `n` to the count kept under `key`. */
function addCount<K>(counts: Map<K, number>, key: K, n: number): void {
  counts.set(key, (counts.get(key) ?? 0) + n);
}

/** Each count of `after` less the same key's in `before`. */
function countsSince<K>(after: Map<K, number>, before: Map<K, number>): Map<K, number> {
  const since = new Map<K, number>();
  for (const [key, count] of after) since.set(key, count - (before.get(key) ?? 0));
  return since;
}

/** `after - before`, result by result. */
export function difference(after: MetricsSnapshot, before: MetricsSnapshot): MetricsSnapshot {
  const queries = countsSince(after.queries, before.queries);
  const commits = { count: after.commits.count - before.commits.count, seconds: after.commits.seconds - before.commits.seconds, atMost: countsSince(after.commits.atMost, before.commits.atMost) };
  // The gauges are not counters: the later reading stands.
  return { queries, operatorCalls: after.operatorCalls - before.operatorCalls, decisions: after.decisions - before.decisions, processes: after.processes, memory: { ...after.memory }, commits };
}

/** Adds `from` into `into`. */
export function addSnapshot(into: MetricsSnapshot, from: MetricsSnapshot): MetricsSnapshot {
  for (const [result, count] of from.queries) addCount(into.queries, result, count);
  into.operatorCalls += from.operatorCalls;
  into.decisions += from.decisions;
  into.processes = Math.max(into.processes, from.processes);
  for (const field of Object.values(MEMORY_GAUGES)) into.memory[field] += from.memory[field];
  into.commits.count += from.commits.count;
  into.commits.seconds += from.commits.seconds;
  for (const [bound, count] of from.commits.atMost) addCount(into.commits.atMost, bound, count);
  return into;
}

export function totalQueries(snapshot: MetricsSnapshot): number {
  let total = 0;
  for (const count of snapshot.queries.values()) total += count;
  return total;
}

/** Share of signal queries answered from the cache, 0..1 (NaN for none). */
export function cacheHitRate(snapshot: MetricsSnapshot): number {
  const total = totalQueries(snapshot);
  return total > 0 ? (snapshot.queries.get('cache_hit') ?? 0) / total : Number.NaN;
}

/** One scrape over a connection of its own (a new connection may reach another worker). */
function scrapeOnce(url: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const request = get(url, { agent: false, headers: { connection: 'close' } }, (response) => {
      let text = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (text += chunk));
      response.on('end', () => (response.statusCode === 200 ? resolve(text) : reject(new Error(`GET /metrics answered ${response.statusCode}`))));
    });
    request.on('error', reject);
  });
}

/**
 * What tells one worker's scrape from another's between phases, when no decision is being made:
 * its counters (process_start_time_seconds is in whole seconds, the same for workers forked
 * together).
 */
export function signature(snapshot: MetricsSnapshot & { startTime: string }): string {
  return [snapshot.startTime, snapshot.decisions, totalQueries(snapshot), snapshot.operatorCalls].join(':');
}

/**
 * Every worker's counters added up; `processes` says how many of the `workers` were told apart.
 * New connections reach the workers in turn; while counters still move (decisions of requests
 * a load abandoned at its end), one worker would show two signatures: it scrapes again until
 * two rounds in a row see the same ones.
 */
export async function scrapeAll(serviceUrl: string, workers: number): Promise<MetricsSnapshot> {
  let seen = new Map<string, MetricsSnapshot>();
  let previous = '';
  for (let round = 0; round < 20; round++) {
    seen = new Map();
    for (let attempt = 0; attempt < (workers === 1 ? 1 : workers * 4); attempt++) {
      const parsed = parseMetrics(await scrapeOnce(`${serviceUrl}/metrics`));
      seen.set(signature(parsed), parsed);
    }
    const now = [...seen.keys()].sort().join(' ');
    if (workers === 1 || (seen.size <= workers && now === previous)) break;
    previous = now;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  const total = emptySnapshot();
  for (const snapshot of seen.values()) addSnapshot(total, snapshot);
  total.processes = Math.min(seen.size, workers);
  return total;
}
