// `npm run bench`: decisions per second through the whole path (HTTP, validation, signals,
// policy, stored decision), against bare Fastify echoing a JSON body as this machine's ceiling.
// `npm run bench:http` does the same with every signal fetched over HTTP from the sandbox
// operator server (the CAMARA clients, OAuth2 tokens, retries and cache), and also reports
// operator calls per decision and the cache hit rate.
// Servers run as child processes and are driven by autocannon with the same connections and
// duration, one after the other, in the same run.
import { ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon, { Result } from 'autocannon';
import Database from 'better-sqlite3';
import { KEY_IN_TEXT } from '../auth/api-key-secret';
import { runKeysCli } from './keys-cli';

const DURATION_S = Number(process.env.BENCH_DURATION ?? 10);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50);
const OVER_HTTP = process.argv.includes('--http');
const DIST = join(__dirname, '..');
const ECHO_PORT = 3999;
const SERVICE_PORT = 3998;
const OPERATOR_PORT = 3997;

const DEMO_NUMBERS = ['+34600000001', '+34600000002', '+34600000003', '+34600000004', '+34600000005', '+34600000006'];
const USE_CASES: Record<string, object> = {
  onboarding: {},
  p2p_recipient: { context: { amount: 250 } },
  account_recovery: { trustedSince: '2024-01-01' },
};
const BODIES = DEMO_NUMBERS.flatMap((phoneNumber) =>
  Object.entries(USE_CASES).map(([useCase, extra]) => JSON.stringify({ useCase, phoneNumber, ...extra })),
);

function startServer(script: string, env: Record<string, string>): ChildProcess {
  const child = spawn(process.execPath, [join(DIST, script)], { env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'inherit'] });
  child.on('exit', (code) => {
    if (code !== null && code !== 0) console.error(`${script} exited with ${code}`);
  });
  return child;
}

async function waitUntilUp(url: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    try {
      await fetch(url);
      return;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
  throw new Error(`${url} did not come up within 30 s`);
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  await new Promise<void>((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

/** Both servers get the same headers, the key included: the ceiling parses what the service parses. */
function drive(url: string, authorization: string): Promise<Result> {
  return autocannon({
    url,
    connections: CONNECTIONS,
    duration: DURATION_S,
    requests: BODIES.map((body) => ({ method: 'POST', body, headers: { 'content-type': 'application/json', authorization } })),
  });
}

/** A decisions:write key in the bench database, made the way an operator makes one, unthrottled. */
async function createBenchKey(databaseUrl: string): Promise<string> {
  const lines: string[] = [];
  const out = { line: (text: string) => lines.push(text), error: (text: string) => lines.push(text) };
  const code = await runKeysCli(['create', '--label', 'bench', '--scopes', 'decisions:write', '--rate', '100000'], out, { DATABASE_URL: databaseUrl, LOG_LEVEL: 'warn' });
  const key = lines.join('\n').match(KEY_IN_TEXT)?.[0];
  if (code !== 0 || !key) throw new Error(`could not create the bench API key:\n${lines.join('\n')}`);
  return `Bearer ${key}`;
}

function line(label: string, result: Result): string {
  const failed = result.non2xx + result.errors + result.timeouts;
  return `${label.padEnd(30)} ${result.requests.average.toFixed(0).padStart(7)} req/s   p50 ${String(result.latency.p50).padStart(4)} ms   p99 ${String(result.latency.p99).padStart(4)} ms   2xx ${result['2xx']}   failed ${failed}`;
}

/** Decisions the service counted itself: linetrust_decisions_total from GET /metrics, summed. */
async function decisionsCounted(url: string): Promise<number> {
  const text = await (await fetch(url)).text();
  return text
    .split('\n')
    .filter((sample) => sample.startsWith('linetrust_decisions_total{'))
    .reduce((sum, sample) => sum + Number(sample.slice(sample.lastIndexOf(' ') + 1)), 0);
}

/**
 * Scraped once the count settles: requests autocannon abandoned when its time was up may still
 * be deciding, and they count when stored (they are not among its 2xx).
 */
async function settledDecisionCount(url: string): Promise<number> {
  let previous = await decisionsCounted(url);
  for (let i = 0; i < 25; i++) {
    await new Promise((resolve) => setTimeout(resolve, 200));
    const current = await decisionsCounted(url);
    if (current === previous) return current;
    previous = current;
  }
  return previous;
}

function metricsLine(counted: number, result: Result): string {
  const answered = result['2xx'];
  const verdict =
    counted === answered
      ? 'they match'
      : counted > answered
        ? `${counted - answered} more in /metrics: decided after autocannon stopped waiting`
        : `MISMATCH: ${answered - counted} answered decisions missing from /metrics`;
  return `decisions in /metrics: ${counted}   2xx received by autocannon: ${answered} (of ${result.requests.sent} sent)   ${verdict}`;
}

/** Operator calls and cache hits, read back from the stored decisions' explanations. */
function signalUsage(file: string): string {
  const db = new Database(file, { readonly: true });
  try {
    const rows = db.prepare('SELECT signals FROM Decision').all() as { signals: string }[];
    let calls = 0;
    let queries = 0;
    let hits = 0;
    for (const row of rows) {
      for (const signal of JSON.parse(row.signals) as { cached: boolean; attempts: number }[]) {
        queries += 1;
        calls += signal.attempts;
        if (signal.cached) hits += 1;
      }
    }
    const perDecision = (n: number) => (rows.length ? n / rows.length : 0).toFixed(2);
    return `stored decisions: ${rows.length}   signal queries/decision: ${perDecision(queries)}   operator calls/decision: ${perDecision(calls)}   cache hit rate: ${queries ? ((hits / queries) * 100).toFixed(1) : '0.0'}%`;
  } finally {
    db.close();
  }
}

async function main(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'linetrust-bench-'));
  const dbFile = join(dataDir, 'bench.db');
  const databaseUrl = process.env.BENCH_DATABASE_URL ?? `file:${dbFile}`;
  const signals = OVER_HTTP ? 'CAMARA HTTP clients -> sandbox operator server' : 'built-in sandbox';
  console.log(`LineTrust bench: ${CONNECTIONS} connections, ${DURATION_S} s each, database ${databaseUrl.split(':')[0]}, signals: ${signals}`);
  const children: ChildProcess[] = [];
  try {
    const authorization = await createBenchKey(databaseUrl);
    const echo = startServer('cli/echo-server.js', { PORT: String(ECHO_PORT) });
    children.push(echo);
    await waitUntilUp(`http://127.0.0.1:${ECHO_PORT}/`);
    const ceiling = await drive(`http://127.0.0.1:${ECHO_PORT}/echo`, authorization);
    await stop(echo);

    const env: Record<string, string> = { PORT: String(SERVICE_PORT), HOST: '127.0.0.1', DATABASE_URL: databaseUrl, LOG_LEVEL: 'warn' };
    if (OVER_HTTP) {
      children.push(startServer('sandbox/main.js', { SANDBOX_OPERATOR_PORT: String(OPERATOR_PORT) }));
      const root = `http://127.0.0.1:${OPERATOR_PORT}`;
      await waitUntilUp(root);
      Object.assign(env, {
        TENURE_API_URL: root,
        NUMBER_RECYCLING_API_URL: root,
        SIM_SWAP_API_URL: root,
        DEVICE_SWAP_API_URL: root,
        OPERATOR_TOKEN_URL: `${root}/oauth2/token`,
        OPERATOR_CLIENT_ID: 'linetrust-sandbox',
        OPERATOR_CLIENT_SECRET: 'linetrust-sandbox-secret',
      });
    }
    const service = startServer('main.js', env);
    children.push(service);
    await waitUntilUp(`http://127.0.0.1:${SERVICE_PORT}/v1/policies`);
    const decisions = await drive(`http://127.0.0.1:${SERVICE_PORT}/v1/decisions`, authorization);
    const counted = await settledDecisionCount(`http://127.0.0.1:${SERVICE_PORT}/metrics`);
    await stop(service);

    console.log(line('bare Fastify echo (ceiling)', ceiling));
    console.log(line('POST /v1/decisions', decisions));
    console.log(metricsLine(counted, decisions));
    const ratio = decisions.requests.average / ceiling.requests.average;
    console.log(`decisions/s: ${decisions.requests.average.toFixed(0)}   p50: ${decisions.latency.p50} ms   p99: ${decisions.latency.p99} ms   ratio to ceiling: ${(ratio * 100).toFixed(1)}%`);
    if (!process.env.BENCH_DATABASE_URL) console.log(signalUsage(dbFile));
    if (decisions.non2xx + decisions.errors + decisions.timeouts > 0) process.exitCode = 1;
  } finally {
    await Promise.all(children.map(stop));
    rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
