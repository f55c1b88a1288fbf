// `npm run bench`: decisions per second through the whole path (HTTP, validation, signals,
// policy, stored decision), against bare Fastify echoing a JSON body as this machine's ceiling.
// Both servers run as child processes and are driven by autocannon with the same connections
// and duration, one after the other, in the same run.
import { ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon, { Result } from 'autocannon';

const DURATION_S = Number(process.env.BENCH_DURATION ?? 10);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50);
const DIST = join(__dirname, '..');

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

function drive(url: string, bodies: string[]): Promise<Result> {
  return autocannon({
    url,
    connections: CONNECTIONS,
    duration: DURATION_S,
    requests: bodies.map((body) => ({ method: 'POST', body, headers: { 'content-type': 'application/json' } })),
  });
}

function line(label: string, result: Result): string {
  const ok = result['2xx'];
  const failed = result.non2xx + result.errors + result.timeouts;
  return `${label.padEnd(28)} ${result.requests.average.toFixed(0).padStart(7)} req/s   p50 ${String(result.latency.p50).padStart(4)} ms   p99 ${String(result.latency.p99).padStart(4)} ms   2xx ${ok}   failed ${failed}`;
}

async function main(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'linetrust-bench-'));
  const databaseUrl = process.env.BENCH_DATABASE_URL ?? `file:${join(dataDir, 'bench.db')}`;
  console.log(`LineTrust bench: ${CONNECTIONS} connections, ${DURATION_S} s each, database ${databaseUrl.split(':')[0]}`);
  try {
    const echo = startServer('cli/echo-server.js', { PORT: '3999' });
    await waitUntilUp('http://127.0.0.1:3999/');
    const ceiling = await drive('http://127.0.0.1:3999/echo', BODIES);
    await stop(echo);

    const service = startServer('main.js', { PORT: '3998', HOST: '127.0.0.1', DATABASE_URL: databaseUrl, LOG_LEVEL: 'warn', NODE_ENV: 'development' });
    await waitUntilUp('http://127.0.0.1:3998/v1/policies');
    const decisions = await drive('http://127.0.0.1:3998/v1/decisions', BODIES);
    const policies = (await (await fetch('http://127.0.0.1:3998/v1/decisions?limit=1')).json()) as { items: unknown[] };
    await stop(service);

    console.log(line('bare Fastify echo (ceiling)', ceiling));
    console.log(line('POST /v1/decisions', decisions));
    const ratio = decisions.requests.average / ceiling.requests.average;
    console.log(`decisions/s: ${decisions.requests.average.toFixed(0)}   p50: ${decisions.latency.p50} ms   p99: ${decisions.latency.p99} ms   ratio to ceiling: ${(ratio * 100).toFixed(1)}%`);
    if (decisions.non2xx + decisions.errors > 0 || policies.items.length === 0) process.exitCode = 1;
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
