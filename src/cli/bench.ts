// `npm run bench`: decisions per second through the whole path (HTTP, validation, signals,
// policy, stored decision), against bare Fastify echoing a JSON body as this machine's ceiling.
// `npm run bench:http` does the same with every signal fetched over HTTP from the sandbox
// operator server (the CAMARA clients, OAuth2 tokens, retries and cache), and also reports
// operator calls per decision and the cache hit rate.
// `npm run bench:http -- --3legged` adds, in the same run, the service getting its signals with
// 3-legged tokens (CIBA, the Telefónica profile of examples/gateways), measured once every
// subscriber's token is warm, next to the client-credentials figure.
// Servers run as child processes and are driven by autocannon with the same connections and
// duration, one after the other, in the same run.
import { ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon, { Result } from 'autocannon';
import Database from 'better-sqlite3';
import { KEY_IN_TEXT } from '../auth/api-key-secret';
import { runKeysCli } from './keys-cli';

const DURATION_S = Number(process.env.BENCH_DURATION ?? 10);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50);
const THREE_LEGGED = process.argv.includes('--3legged');
const OVER_HTTP = THREE_LEGGED || process.argv.includes('--http');
const DIST = join(__dirname, '..');
const ECHO_PORT = 3999;
const SERVICE_PORT = 3998;
const OPERATOR_PORT = 3997;

const DEMO_NUMBERS = ['+34600000001', '+34600000002', '+34600000003', '+34600000004', '+34600000005', '+34600000006'];
const USE_CASES: Record<string, object> = {
  onboarding: {},
  p2p_recipient: { context: { amount: 25000, currency: 'EUR' } },
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
  // WORKERS > 1: each worker counts its own decisions, and a scrape reaches one of them.
  const workers = Number(process.env.WORKERS ?? 1);
  const verdict = workers > 1
    ? `WORKERS=${workers}: /metrics counts the decisions of the worker that answered the scrape only`
    : counted === answered
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
    const statuses = new Map<string, number>();
    for (const row of rows) {
      for (const signal of JSON.parse(row.signals) as { cached: boolean; attempts: number; status: string }[]) {
        queries += 1;
        calls += signal.attempts;
        if (signal.cached) hits += 1;
        statuses.set(signal.status, (statuses.get(signal.status) ?? 0) + 1);
      }
    }
    const byStatus = [...statuses].map(([status, count]) => `${status} ${count}`).join(', ');
    const perDecision = (n: number) => (rows.length ? n / rows.length : 0).toFixed(2);
    return `stored decisions: ${rows.length}   signal queries/decision: ${perDecision(queries)}   operator calls/decision: ${perDecision(calls)}   cache hit rate: ${queries ? ((hits / queries) * 100).toFixed(1) : '0.0'}%\nsignal answers: ${byStatus}`;
  } finally {
    db.close();
  }
}

type Mode = 'built-in' | 'client_credentials' | 'ciba';

const MODE_LABEL: Record<Mode, string> = {
  'built-in': 'built-in sandbox',
  client_credentials: 'HTTP, client credentials (2-legged)',
  ciba: 'HTTP, CIBA 3-legged tokens (warm)',
};

/** The operator server and the service's signal settings for a mode (none for built-in). */
async function operatorFor(mode: Mode, dataDir: string, children: ChildProcess[]): Promise<Record<string, string>> {
  if (mode === 'built-in') return {};
  const root = `http://127.0.0.1:${OPERATOR_PORT}`;
  const profile = mode === 'ciba' ? 'telefonica' : 'camara';
  // CIBA interval 0: the demo lines consent at once, so the warm-up is short.
  children.push(startServer('sandbox/main.js', { SANDBOX_OPERATOR_PORT: String(OPERATOR_PORT), SANDBOX_PROFILE: profile, SANDBOX_CIBA_INTERVAL_S: '0' }));
  await waitUntilUp(root);
  if (mode === 'client_credentials') {
    return {
      TENURE_API_URL: root,
      NUMBER_RECYCLING_API_URL: root,
      SIM_SWAP_API_URL: root,
      DEVICE_SWAP_API_URL: root,
      OPERATOR_TOKEN_URL: `${root}/oauth2/token`,
      OPERATOR_CLIENT_ID: 'linetrust-sandbox',
      OPERATOR_CLIENT_SECRET: 'linetrust-sandbox-secret',
    };
  }
  const example = readFileSync(join(DIST, '..', 'examples', 'gateways', 'telefonica.json'), 'utf8');
  const file = join(dataDir, 'gateways.json');
  writeFileSync(file, example.split('http://127.0.0.1:9090').join(root));
  return { GATEWAYS_FILE: file, TELEFONICA_CLIENT_SECRET: 'linetrust-sandbox-secret' };
}

/**
 * Sends every bench body until no signal is CONSENT_PENDING: the figure is for warm tokens,
 * the steady state of a bank's regular customers. Cold flows are the tests' subject.
 */
async function warmUp(url: string, authorization: string): Promise<void> {
  for (let round = 0; round < 50; round++) {
    const answers = await Promise.all(
      BODIES.map(async (body) => (await fetch(url, { method: 'POST', body, headers: { 'content-type': 'application/json', authorization } })).text()),
    );
    if (!answers.some((text) => text.includes('CONSENT_PENDING'))) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error('3-legged tokens still pending after 50 warm-up rounds');
}

async function measure(mode: Mode, dataDir: string): Promise<{ result: Result; counted: number; dbFile: string }> {
  const dbFile = join(dataDir, `bench-${mode}.db`);
  const databaseUrl = process.env.BENCH_DATABASE_URL ?? `file:${dbFile}`;
  const children: ChildProcess[] = [];
  try {
    const authorization = await createBenchKey(databaseUrl);
    const env: Record<string, string> = { PORT: String(SERVICE_PORT), HOST: '127.0.0.1', DATABASE_URL: databaseUrl, LOG_LEVEL: 'warn' };
    Object.assign(env, await operatorFor(mode, dataDir, children));
    children.push(startServer('main.js', env));
    await waitUntilUp(`http://127.0.0.1:${SERVICE_PORT}/v1/policies`);
    if (mode === 'ciba') await warmUp(`http://127.0.0.1:${SERVICE_PORT}/v1/decisions`, authorization);
    const result = await drive(`http://127.0.0.1:${SERVICE_PORT}/v1/decisions`, authorization);
    const counted = await settledDecisionCount(`http://127.0.0.1:${SERVICE_PORT}/metrics`);
    return { result, counted, dbFile };
  } finally {
    await Promise.all(children.map(stop));
  }
}

async function main(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'linetrust-bench-'));
  const modes: Mode[] = THREE_LEGGED ? ['client_credentials', 'ciba'] : OVER_HTTP ? ['client_credentials'] : ['built-in'];
  const database = (process.env.BENCH_DATABASE_URL ?? 'file:').split(':')[0];
  console.log(`LineTrust bench: ${CONNECTIONS} connections, ${DURATION_S} s each, database ${database}, signals: ${modes.map((m) => MODE_LABEL[m]).join(' / ')}`);
  const children: ChildProcess[] = [];
  try {
    const ceilingKey = await createBenchKey(`file:${join(dataDir, 'ceiling.db')}`);
    const echo = startServer('cli/echo-server.js', { PORT: String(ECHO_PORT) });
    children.push(echo);
    await waitUntilUp(`http://127.0.0.1:${ECHO_PORT}/`);
    const ceiling = await drive(`http://127.0.0.1:${ECHO_PORT}/echo`, ceilingKey);
    await stop(echo);
    console.log(line('bare Fastify echo (ceiling)', ceiling));

    for (const mode of modes) {
      const { result, counted, dbFile } = await measure(mode, dataDir);
      console.log(`\n${MODE_LABEL[mode]}`);
      console.log(line('POST /v1/decisions', result));
      console.log(metricsLine(counted, result));
      const ratio = result.requests.average / ceiling.requests.average;
      console.log(`decisions/s: ${result.requests.average.toFixed(0)}   p50: ${result.latency.p50} ms   p99: ${result.latency.p99} ms   ratio to ceiling: ${(ratio * 100).toFixed(1)}%`);
      if (!process.env.BENCH_DATABASE_URL) console.log(signalUsage(dbFile));
      if (result.non2xx + result.errors + result.timeouts > 0) process.exitCode = 1;
    }
  } finally {
    await Promise.all(children.map(stop));
    rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
