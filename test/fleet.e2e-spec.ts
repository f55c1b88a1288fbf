import { Client } from 'pg';
import { KEY_IN_TEXT } from '../src/auth/api-key-secret';
import { runKeysCli } from '../src/cli/keys-cli';
import { Instance, startInstance, waitReady } from './support/fleet';
import { starterRule, starterRulesDir } from './support/starter-rules';
import { createTestDatabase, TestDatabase } from './support/test-database';

/**
 * Several service processes on one PostgreSQL schema, as a user runs them behind a load
 * balancer: they must start together on an empty schema, and behave as one service. Real
 * processes, started from the sources, so that one can be killed with SIGKILL.
 */
const onPostgres = /^postgres(ql)?:\/\//.test(process.env.DATABASE_URL ?? '');
const describeFleet = onPostgres ? describe : describe.skip;
if (!onPostgres) {
  // Said once per run, so a skipped fleet test is never mistaken for a passed one.
  process.stderr.write('fleet.e2e-spec: skipped on SQLite; it runs on PostgreSQL (DATABASE_URL=postgresql://... npm test, as CI does)\n');
}

const FLEET_SIZE = 3;

async function createKey(databaseUrl: string, scopes: string, extra: string[] = []): Promise<string> {
  const lines: string[] = [];
  const out = { line: (text: string) => lines.push(text), error: (text: string) => lines.push(text) };
  const code = await runKeysCli(['create', '--label', 'fleet test', '--scopes', scopes, ...extra], out, { DATABASE_URL: databaseUrl, LOG_LEVEL: 'warn', RULES_DIR: starterRulesDir() });
  const key = lines.join('\n').match(KEY_IN_TEXT)?.[0];
  if (code !== 0 || !key) throw new Error(`could not create a key:\n${lines.join('\n')}`);
  return key;
}

async function call(instance: Instance, key: string, method: string, path: string, body?: object, headers: Record<string, string> = {}): Promise<{ status: number; body: any; headers: Headers }> {
  const response = await fetch(`${instance.url}${path}`, {
    method,
    headers: { ...(body ? { 'content-type': 'application/json' } : {}), authorization: `Bearer ${key}`, ...headers },
    body: body ? JSON.stringify(body) : undefined,
  });
  return { status: response.status, body: await response.json(), headers: response.headers };
}

const decide = (instance: Instance, key: string, body: object, headers: Record<string, string> = {}) => call(instance, key, 'POST', '/v1/decisions', body, headers);

/** Polls until `condition` holds on every instance; answers the milliseconds it took, or fails after `limitMs`. */
async function untilAll(fleet: Instance[], what: string, condition: (instance: Instance) => Promise<boolean>, limitMs: number): Promise<number> {
  const started = Date.now();
  const pending = new Set(fleet);
  while (pending.size > 0) {
    for (const instance of [...pending]) if (await condition(instance)) pending.delete(instance);
    if (pending.size === 0) break;
    if (Date.now() - started > limitMs) throw new Error(`${what}: ${pending.size} of ${fleet.length} instances not within ${limitMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return Date.now() - started;
}

const tenureOf = (decision: { signals: { signal: string; cached: boolean }[] }) => decision.signals.find((signal) => signal.signal === 'tenure');

describeFleet('a fleet of instances on one PostgreSQL schema (e2e)', () => {
  let database: TestDatabase;
  let fleet: Instance[] = [];
  let key: string;
  // The database is the fleet's policy source (POLICY_SOURCE=database); FLEET_STATE is `auto`,
  // which is `database` on PostgreSQL: what a user gets by pointing instances at one database.
  const env = () => ({
    DATABASE_URL: database.url,
    POLICY_SOURCE: 'database',
    RATE_LIMIT_PER_SECOND: '0',
    RATE_LIMIT_BURST_SECONDS: '1',
    RETENTION_INTERVAL_MINUTES: '0',
  });

  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(async () => {
    await Promise.all(fleet.map((instance) => instance.kill9()));
    await database.drop();
  });

  it(`starts ${FLEET_SIZE} instances together on an empty schema, all ready`, async () => {
    fleet = await Promise.all(Array.from({ length: FLEET_SIZE }, () => startInstance(env())));
    await Promise.all(fleet.map((instance) => waitReady(instance)));
    for (const instance of fleet) expect(instance.process.exitCode).toBeNull();
    key = await createKey(database.url, 'admin');
  });

  it('serves a version published through one instance on every instance within seconds', async () => {
    const policy = { ...starterRule('onboarding.json'), description: 'Onboarding, published to a fleet of three' };
    const published = await call(fleet[0], key, 'POST', '/v1/policies/onboarding/versions', { policy });
    expect(published.status).toBe(201);
    const version = published.body.version as string;

    const elapsed = await untilAll(
      fleet,
      `serving onboarding ${version}`,
      async (instance) => {
        const listed = await call(instance, key, 'GET', '/v1/policies');
        const onboarding = (listed.body.items as { id: string; version: string; inSync: boolean }[]).find((item) => item.id === 'onboarding');
        return onboarding?.version === version && onboarding.inSync;
      },
      5000,
    );
    process.stderr.write(`fleet test: a publish reached all ${FLEET_SIZE} instances ${elapsed} ms after it was answered\n`);
    for (const instance of fleet) {
      expect((await decide(instance, key, { useCase: 'onboarding', phoneNumber: '+34600000001' })).body.policy.version).toBe(version);
    }
  });

  it('holds a key\'s rate limit across the instances, not per instance', async () => {
    const limited = await createKey(database.url, 'policies:read', ['--rate', '10']);
    // Start just after a second begins: the fleet's windows are wall-clock seconds.
    while (Date.now() % 1000 > 50) await new Promise((resolve) => setTimeout(resolve, 5));
    const first = Date.now();
    const answers = await Promise.all(Array.from({ length: 60 }, (_, i) => call(fleet[i % FLEET_SIZE], limited, 'GET', '/v1/policies')));
    const last = Date.now();
    const windows = Math.floor(last / 1000) - Math.floor(first / 1000) + 1;
    const admitted = answers.filter((answer) => answer.status === 200).length;
    process.stderr.write(`fleet test: ${admitted} of 60 requests admitted on ${FLEET_SIZE} instances against 10/s, within ${windows} one-second window(s)\n`);
    // One budget of 10 per window for the fleet (a bucket per instance would admit 30).
    expect(admitted).toBeGreaterThanOrEqual(10);
    expect(admitted).toBeLessThanOrEqual(10 * windows);
    for (const refused of answers.filter((answer) => answer.status !== 200)) {
      expect({ status: refused.status, code: refused.body.code, retryAfter: Number(refused.headers.get('retry-after')) }).toEqual({ status: 429, code: 'TOO_MANY_REQUESTS', retryAfter: 1 });
    }
  });

  it('refuses a key revoked through one instance on every instance within seconds', async () => {
    const reader = await createKey(database.url, 'policies:read');
    // Every instance has looked it up, so each holds it in its key cache.
    for (const instance of fleet) expect((await call(instance, reader, 'GET', '/v1/policies')).status).toBe(200);
    const id = reader.split('_')[1];
    expect((await call(fleet[0], key, 'DELETE', `/v1/keys/${id}`)).status).toBe(200);
    const elapsed = await untilAll(fleet, 'refusing the revoked key', async (instance) => (await call(instance, reader, 'GET', '/v1/policies')).status === 401, 5000);
    process.stderr.write(`fleet test: a revocation reached all ${FLEET_SIZE} instances in ${elapsed} ms\n`);
  });

  it('shares the operator answers, and an erasure through one instance clears them for all', async () => {
    const body = { useCase: 'onboarding', phoneNumber: '+34600000002' };
    expect(tenureOf((await decide(fleet[0], key, body)).body)).toMatchObject({ cached: false });
    // The answer fleet[0] got serves the others: the operator is asked once for the fleet.
    for (const instance of fleet.slice(1)) expect(tenureOf((await decide(instance, key, body)).body)).toMatchObject({ cached: true });

    const erased = await call(fleet[2], key, 'POST', '/v1/erasures', { phoneNumber: body.phoneNumber });
    expect(erased.status).toBe(200);
    // Right after it, no instance decides on what the operator said before the erasure.
    expect(tenureOf((await decide(fleet[1], key, body)).body)).toMatchObject({ cached: false });
    // ...and the decisions are gone for every instance (one store): none is listed any more but the new one.
    const listed = await call(fleet[0], key, 'GET', `/v1/decisions?phoneNumber=${encodeURIComponent(body.phoneNumber)}`);
    expect(listed.status).toBe(200);
    expect(listed.body.items).toHaveLength(1);
  });

  it('answers an Idempotency-Key replayed on another instance with the first decision', async () => {
    const body = { useCase: 'onboarding', phoneNumber: '+34600000001' };
    const headers = { 'idempotency-key': 'fleet-replay-1' };
    const first = await decide(fleet[0], key, body, headers);
    const replay = await decide(fleet[1], key, body, headers);

    expect(first.status).toBe(201);
    expect(replay.status).toBe(201);
    expect(replay.body.id).toBe(first.body.id);
  });

  it('loses no acknowledged decision when an instance is killed (SIGKILL) under load', async () => {
    const victim = fleet[2];
    const acknowledged: string[] = [];
    let stop = false;
    const worker = async (n: number) => {
      for (let i = 0; !stop; i++) {
        try {
          const answer = await decide(victim, key, { useCase: 'p2p_recipient', phoneNumber: '+34600000005', subjectId: `crash-${n}-${i}`, context: { amount: 1000, currency: 'EUR' } });
          if (answer.status === 201) acknowledged.push(answer.body.id as string);
        } catch {
          return; // the connection died with the process: this request was never acknowledged
        }
      }
    };
    const workers = Array.from({ length: 16 }, (_, n) => worker(n));
    // Kill once the load is well under way: enough acknowledged decisions to mean something.
    while (acknowledged.length < 200 && victim.process.exitCode === null) await new Promise((resolve) => setTimeout(resolve, 20));
    await victim.kill9();
    stop = true;
    await Promise.all(workers);

    const client = new Client({ connectionString: database.url.replace(/\?.*$/, '') });
    await client.connect();
    try {
      const schema = new URL(database.url).searchParams.get('schema');
      const { rows } = await client.query<{ id: string }>(`SELECT id FROM "${schema}"."Decision" WHERE id = ANY($1)`, [acknowledged]);
      const stored = new Set(rows.map((row) => row.id));
      const missing = acknowledged.filter((id) => !stored.has(id));
      process.stderr.write(`crash test: ${acknowledged.length} decisions acknowledged before SIGKILL, ${missing.length} missing from the store\n`);
      expect(acknowledged.length).toBeGreaterThanOrEqual(200);
      expect(missing).toEqual([]);
    } finally {
      await client.end();
    }

    // The fleet heals: the killed instance starts again on the same schema.
    fleet[2] = await startInstance(env());
    await waitReady(fleet[2]);
  });
});
