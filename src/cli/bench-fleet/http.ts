// Requests timed from the client's side (what a caller waits, queueing included), a bounded
// pool of them, and the statistics the report prints.
import { KEY_IN_TEXT } from '../../auth/api-key-secret';
import { runKeysCli } from '../keys-cli';

export interface Answer {
  /** 0 when no HTTP answer came (connection refused or reset). */
  status: number;
  ms: number;
  retryAfter: string | null;
  body: Record<string, unknown> | undefined;
  /** performance.now() when it was sent. */
  sentAt: number;
}

export async function call(url: string, key: string, method: string, body?: object, headers: Record<string, string> = {}): Promise<Answer> {
  const sentAt = performance.now();
  try {
    const response = await fetch(url, {
      method,
      headers: { ...(body ? { 'content-type': 'application/json' } : {}), authorization: `Bearer ${key}`, ...headers },
      body: body ? JSON.stringify(body) : undefined,
    });
    const text = await response.text();
    let parsed: Record<string, unknown> | undefined;
    try {
      parsed = JSON.parse(text) as Record<string, unknown>;
    } catch {
      parsed = undefined;
    }
    return { status: response.status, ms: performance.now() - sentAt, retryAfter: response.headers.get('retry-after'), body: parsed, sentAt };
  } catch {
    return { status: 0, ms: performance.now() - sentAt, retryAfter: null, body: undefined, sentAt };
  }
}

/** Runs `task(0..total-1)` with at most `concurrency` at once; answers in index order. */
export async function pool<T>(total: number, concurrency: number, task: (index: number) => Promise<T>): Promise<T[]> {
  const results: T[] = new Array<T>(total);
  let next = 0;
  const worker = async () => {
    while (next < total) {
      const index = next++;
      results[index] = await task(index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, total) }, worker));
  return results;
}

/** Nearest-rank percentile of `values` (unsorted), p in 0..100. */
export function percentile(values: number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

export const ms = (value: number) => (Number.isNaN(value) ? '-' : `${Math.round(value)} ms`);

export function latencyLine(values: number[]): string {
  return `p50 ${ms(percentile(values, 50))}, p99 ${ms(percentile(values, 99))}, max ${ms(values.length ? Math.max(...values) : Number.NaN)} (n=${values.length})`;
}

/** min / median / max of a few values, each formatted by `unit`. */
export function spread(values: number[], unit: (value: number) => string = ms): string {
  if (values.length === 0) return 'none';
  return `min ${unit(Math.min(...values))}, median ${unit(percentile(values, 50))}, max ${unit(Math.max(...values))}`;
}

/** Statuses and how many of each, e.g. `201 x1480, 503 x20`. */
export function statusCounts(answers: Answer[]): string {
  const counts = new Map<number, number>();
  for (const answer of answers) counts.set(answer.status, (counts.get(answer.status) ?? 0) + 1);
  return [...counts].sort(([a], [b]) => a - b).map(([status, n]) => `${status === 0 ? 'no answer' : status} x${n}`).join(', ');
}

/** An API key made as an operator makes one (`npm run keys -- create`), on the fleet's schema. */
export async function createKey(databaseUrl: string, scopes: string, rate: number): Promise<string> {
  const lines: string[] = [];
  const out = { line: (text: string) => lines.push(text), error: (text: string) => lines.push(text) };
  const code = await runKeysCli(['create', '--label', 'bench:fleet', '--scopes', scopes, '--rate', String(rate)], out, { DATABASE_URL: databaseUrl, LOG_LEVEL: 'warn' });
  const key = lines.join('\n').match(KEY_IN_TEXT)?.[0];
  // The CLI's lines hold the secret: they are not echoed.
  if (code !== 0 || !key) throw new Error(`could not create a ${scopes} key (exit ${code})`);
  return key;
}
