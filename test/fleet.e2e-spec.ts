import { Client } from 'pg';
import { KEY_IN_TEXT } from '../src/auth/api-key-secret';
import { runKeysCli } from '../src/cli/keys-cli';
import { Instance, startInstance, waitReady } from './support/fleet';
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

async function createKey(databaseUrl: string, scopes: string): Promise<string> {
  const lines: string[] = [];
  const out = { line: (text: string) => lines.push(text), error: (text: string) => lines.push(text) };
  const code = await runKeysCli(['create', '--label', 'fleet test', '--scopes', scopes], out, { DATABASE_URL: databaseUrl, LOG_LEVEL: 'warn' });
  const key = lines.join('\n').match(KEY_IN_TEXT)?.[0];
  if (code !== 0 || !key) throw new Error(`could not create a key:\n${lines.join('\n')}`);
  return key;
}

async function decide(instance: Instance, key: string, body: object, headers: Record<string, string> = {}): Promise<{ status: number; body: any }> {
  const response = await fetch(`${instance.url}/v1/decisions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}`, ...headers },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: await response.json() };
}

describeFleet('a fleet of instances on one PostgreSQL schema (e2e)', () => {
  let database: TestDatabase;
  let fleet: Instance[] = [];
  let key: string;
  const env = () => ({ DATABASE_URL: database.url, RATE_LIMIT_PER_SECOND: '0', RETENTION_INTERVAL_MINUTES: '0' });

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
          const answer = await decide(victim, key, { useCase: 'p2p_recipient', phoneNumber: '+34600000005', subjectId: `crash-${n}-${i}`, context: { amount: 10 } });
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
