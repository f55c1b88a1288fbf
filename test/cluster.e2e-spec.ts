import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import { availableParallelism } from 'node:os';
import { KEY_IN_TEXT } from '../src/auth/api-key-secret';
import { runKeysCli } from '../src/cli/keys-cli';
import { helperThreadsFor } from '../src/cluster/helper-threads';
import { Instance, startInstance, waitReady } from './support/fleet';
import { starterRulesDir } from './support/starter-rules';
import { createTestDatabase, TestDatabase } from './support/test-database';

/** The worker processes the primary forked (its children). */
function workerPids(primary: Instance): number[] {
  try {
    return execFileSync('pgrep', ['-P', String(primary.process.pid)], { encoding: 'utf8' }).trim().split('\n').filter(Boolean).map(Number);
  } catch {
    return []; // pgrep exits 1 when there is none
  }
}

async function until<T>(what: string, read: () => T | Promise<T>, done: (value: T) => boolean, limitMs = 30_000): Promise<T> {
  const started = Date.now();
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() - started > limitMs) throw new Error(`${what}: still ${JSON.stringify(value)} after ${limitMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/**
 * WORKERS=2: one port, two processes on one database (SQLite or PostgreSQL, as the run's),
 * acting as one service: the fleet state is shared, a dead worker is replaced, SIGTERM stops all.
 */
describe('WORKERS: one process per core on one port (e2e)', () => {
  let database: TestDatabase;
  let primary: Instance;
  let key: string;

  beforeAll(async () => {
    database = await createTestDatabase();
    const lines: string[] = [];
    const out = { line: (l: string) => lines.push(l), error: (l: string) => lines.push(l), colour: false };
    // 10 requests a second for this key, a burst of one second: for the whole service.
    const code = await runKeysCli(['create', '--label', 'cluster', '--scopes', 'admin', '--rate', '10'], out, { DATABASE_URL: database.url, LOG_LEVEL: 'warn', RULES_DIR: starterRulesDir() });
    key = lines.join('\n').match(KEY_IN_TEXT)?.[0] ?? '';
    if (code !== 0 || !key) throw new Error(lines.join('\n'));
    primary = await startInstance({ DATABASE_URL: database.url, WORKERS: '2', RATE_LIMIT_BURST_SECONDS: '1', RETENTION_INTERVAL_MINUTES: '0' });
    await waitReady(primary);
  }, 90_000);
  afterAll(async () => {
    await primary?.kill9();
    for (const pid of workerPids(primary)) process.kill(pid, 'SIGKILL');
    await database.drop();
  });

  const decide = (subjectId: string) =>
    fetch(`${primary.url}/v1/decisions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
      body: JSON.stringify({ useCase: 'onboarding', phoneNumber: '+34600000001', subjectId }),
    });

  // A new connection per request: the primary hands connections to the workers in turn.
  const fresh = (method: string, path: string, body?: object): Promise<{ status: number; body: any }> =>
    new Promise((resolve, reject) => {
      const payload = body === undefined ? '' : JSON.stringify(body);
      const headers = body === undefined ? { authorization: `Bearer ${key}` } : { 'content-type': 'application/json', authorization: `Bearer ${key}`, 'content-length': Buffer.byteLength(payload) };
      const req = request(`${primary.url}${path}`, { method, agent: false, headers }, (res) => {
        let text = '';
        res.on('data', (chunk: Buffer) => (text += chunk.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) }));
      });
      req.on('error', reject);
      req.end(payload);
    });

  it('serves the port from two worker processes', async () => {
    expect(await until('workers', () => workerPids(primary).length, (n) => n === 2)).toBe(2);
  });

  it("runs each worker with V8's helper pool sized to its share of the cores", async () => {
    const pids = await until('workers', () => workerPids(primary), (found) => found.length === 2);
    const poolSizes = pids.map((pid) => readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter((arg) => arg.startsWith('--v8-pool-size')));
    const expected = `--v8-pool-size=${helperThreadsFor(availableParallelism(), 2)}`;
    expect(poolSizes).toEqual([[expected], [expected]]);
  });

  it("holds a key's rate limit across the workers: the service's budget, not each worker's", async () => {
    const policies = () => fetch(`${primary.url}/v1/policies`, { headers: { authorization: `Bearer ${key}` } }).then((r) => r.status);
    // Windows are wall-clock seconds: start just after one begins, and retry a burst that spilled into the next.
    for (let attempt = 1; ; attempt++) {
      while (Date.now() % 1000 > 50) await new Promise((resolve) => setTimeout(resolve, 5));
      const first = Date.now();
      const statuses = await Promise.all(Array.from({ length: 40 }, policies));
      const windows = Math.floor(Date.now() / 1000) - Math.floor(first / 1000) + 1;
      if (windows > 1 && attempt < 4) continue;
      expect(statuses.filter((s) => s !== 200 && s !== 429)).toEqual([]);
      const admitted = statuses.filter((s) => s === 200).length;
      // 10 per window for the service (a bucket per worker admits up to 20).
      expect(admitted).toBeGreaterThanOrEqual(10);
      expect(admitted).toBeLessThanOrEqual(10 * windows);
      return;
    }
  });

  it('stores the decisions made through either worker: each is read back by its id', async () => {
    await new Promise((resolve) => setTimeout(resolve, 1100)); // past the burst test's window
    const ids: string[] = [];
    for (let i = 0; i < 6; i++) {
      await new Promise((resolve) => setTimeout(resolve, 120)); // 10/s for this key
      const made = await fresh('POST', '/v1/decisions', { useCase: 'onboarding', phoneNumber: '+34600000004', subjectId: `stored-${i}` });
      expect(made.status).toBe(201);
      ids.push(made.body.id);
    }
    for (const id of ids) {
      await new Promise((resolve) => setTimeout(resolve, 120));
      const read = await fresh('GET', `/v1/decisions/${id}`);
      expect([read.status, read.body.id]).toEqual([200, id]);
    }
  });

  it("clears every worker's cached operator answers on an erasure through one of them", async () => {
    const tenureCached = async () => {
      await new Promise((resolve) => setTimeout(resolve, 120)); // 10/s for this key
      const answer = await fresh('POST', '/v1/decisions', { useCase: 'onboarding', phoneNumber: '+34600000003' });
      expect(answer.status).toBe(201);
      return answer.body.signals.filter((s: { signal: string }) => s.signal === 'tenure').every((s: { cached: boolean }) => s.cached);
    };
    await new Promise((resolve) => setTimeout(resolve, 1100)); // past the burst test's window
    // Warm both workers' caches (each asks once), then every answer comes from a cache.
    for (let i = 0; i < 4; i++) await tenureCached();
    expect([await tenureCached(), await tenureCached()]).toEqual([true, true]);
    await new Promise((resolve) => setTimeout(resolve, 120));
    expect((await fresh('POST', '/v1/erasures', { phoneNumber: '+34600000003' })).status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 200)); // the relay is IPC, within milliseconds
    // One decision lands on each worker. On SQLite each worker has its own cache: both were
    // cleared, so neither answers from one. On PostgreSQL the cache is shared: the first asks the
    // operator again, the second reads what the first stored after the erasure.
    const shared = /^postgres(ql)?:\/\//.test(database.url);
    expect([await tenureCached(), await tenureCached()]).toEqual(shared ? [false, true] : [false, false]);
  });

  it('replaces a worker that dies, and keeps answering meanwhile', async () => {
    const [victim, other] = workerPids(primary);
    process.kill(victim, 'SIGKILL');
    await until('a replacement', () => workerPids(primary), (pids) => pids.length === 2 && !pids.includes(victim));
    expect(workerPids(primary)).toContain(other);
    await new Promise((resolve) => setTimeout(resolve, 1100));
    expect((await decide('after-restart')).status).toBe(201);
    expect(primary.output()).toMatch(new RegExp(`worker ${victim} exited \\(SIGKILL\\): starting another`));
  });

  it('exits 1, not looping, when the workers cannot start', async () => {
    const broken = await startInstance({ DATABASE_URL: database.url, WORKERS: '2', RULES_DIR: '/nonexistent/rules' });
    await until('the primary exits', () => broken.process.exitCode, (code) => code !== null);
    expect(broken.process.exitCode).toBe(1);
    expect(broken.output()).toMatch(/failed to start/);
    expect(broken.output().match(/failed to start/g)?.length).toBeLessThanOrEqual(2);
  });

  it('stops every worker on SIGTERM, and exits 0', async () => {
    const workers = workerPids(primary);
    expect(workers).toHaveLength(2);
    await primary.stop();
    expect(primary.process.exitCode).toBe(0);
    const alive = (pid: number) => {
      try {
        process.kill(pid, 0);
        return true;
      } catch {
        return false;
      }
    };
    await until('workers gone', () => workers.filter(alive), (left) => left.length === 0, 10_000);
  });
});
