import request from 'supertest';
import { ApiKeyService } from '../src/auth/api-key.service';
import { FleetRateLimiter } from '../src/auth/fleet-rate-limiter';
import { KeyRateLimiter, RateLimiter } from '../src/auth/rate-limiter';
import { runPrivacyCli } from '../src/cli/privacy-cli';
import { hashPhoneNumber } from '../src/common/phone/phone-number';
import { DEVELOPMENT_HASH_KEY } from '../src/config/app-config';
import { PrismaService } from '../src/prisma/prisma.service';
import { DatabaseSignalCache } from '../src/signals/cache/database-signal-cache';
import { InMemorySignalCache, SignalCacheStore } from '../src/signals/cache/signal-cache';
import { SignalCacheRepository } from '../src/signals/cache/signal-cache.repository';
import { LINE, NOW, TEST_LINES } from './support/lines';
import { CLIENT_ID, CLIENT_SECRET, Sandbox, startSandbox } from './support/sandbox-harness';
import { createTestDatabase, TestDatabase } from './support/test-database';
import { startTestApp, TestApp } from './support/test-app';

/**
 * Two instances of the service on one database with FLEET_STATE=database, as a fleet runs on
 * PostgreSQL (where it is the default): one rate limit per key, revocations heard by the other
 * instance, one signal cache, and erasures that clear it for both. The same runs on SQLite (two
 * apps on one file), where the shared mode is only chosen when asked for.
 */
describe('fleet-wide state across two instances on one database (e2e)', () => {
  let database: TestDatabase;
  let sandbox: Sandbox;
  let a: TestApp;
  let b: TestApp;

  const tenureCalls = () => sandbox.requests.filter((r) => r.path.includes('tenure')).length;
  const decide = async (app: TestApp, phoneNumber: string) =>
    (await app.http().post('/v1/decisions').send({ useCase: 'onboarding', phoneNumber }).expect(201)).body as { signals: { signal: string; cached: boolean }[] };
  const tenureOf = (decision: { signals: { signal: string; cached: boolean }[] }) => decision.signals.find((s) => s.signal === 'tenure');
  const cachedRows = (phoneNumber: string) =>
    a.app.get(PrismaService).client.signalCacheEntry.count({ where: { subjectHash: hashPhoneNumber(phoneNumber, DEVELOPMENT_HASH_KEY) } });

  beforeAll(async () => {
    database = await createTestDatabase();
    sandbox = await startSandbox({ lines: TEST_LINES, now: NOW });
    const env = {
      DATABASE_URL: database.url,
      FLEET_STATE: 'database',
      RATE_LIMIT_BURST_SECONDS: '1',
      RETENTION_INTERVAL_MINUTES: '0',
      TENURE_API_URL: sandbox.url,
      NUMBER_RECYCLING_API_URL: sandbox.url,
      SIM_SWAP_API_URL: sandbox.url,
      DEVICE_SWAP_API_URL: sandbox.url,
      OPERATOR_TOKEN_URL: `${sandbox.url}/oauth2/token`,
      OPERATOR_CLIENT_ID: CLIENT_ID,
      OPERATOR_CLIENT_SECRET: CLIENT_SECRET,
    };
    a = await startTestApp({ now: NOW, env });
    b = await startTestApp({ now: NOW, env });
    await a.app.listen(0, '127.0.0.1');
    await b.app.listen(0, '127.0.0.1');
  });
  afterAll(async () => {
    await b?.close();
    await a?.close();
    await sandbox?.close();
    await database?.drop();
  });

  it('holds a key at 10/s across both: 40 concurrent requests spread over the two admit 10, the others 429 with Retry-After', async () => {
    const key = (await a.app.get(ApiKeyService).create({ label: 'limited', scopes: ['policies:read'], rateLimitPerSecond: 10 })).key;
    const urls = [await a.app.getUrl(), await b.app.getUrl()];
    const send = async (side: number) => {
      const response = await fetch(`${urls[side]}/v1/policies`, { headers: { authorization: `Bearer ${key}` } });
      return { side, status: response.status, retryAfter: response.headers.get('retry-after'), body: await response.json() };
    };
    const answers = await Promise.all(Array.from({ length: 40 }, (_, i) => send(i % 2)));
    const admitted = answers.filter((answer) => answer.status === 200).length;
    process.stderr.write(`fleet-state: ${admitted} of 40 requests admitted on 2 instances against 10/s\n`);
    expect(admitted).toBe(10);
    for (const refused of answers.filter((answer) => answer.status !== 200)) {
      expect({ status: refused.status, retryAfter: refused.retryAfter, body: refused.body }).toEqual({
        status: 429,
        retryAfter: '1',
        body: { status: 429, code: 'TOO_MANY_REQUESTS', message: 'Rate limit of this API key exceeded; retry later.' },
      });
    }
    // Both instances served some: the budget is the fleet's, not the first instance's.
    expect(new Set(answers.filter((answer) => answer.status === 200).map((answer) => answer.side)).size).toBe(2);

    // The next second has its own budget; windows no budget reads any more are deleted.
    const rows = a.app.get(PrismaService).client.rateLimitWindow;
    expect(await rows.count({ where: { windowStart: BigInt(NOW.getTime()) } })).toBe(1);
    for (const app of [a, b]) app.clock.set(new Date(NOW.getTime() + 1000));
    const next = await Promise.all(Array.from({ length: 12 }, (_, i) => send(1 - (i % 2))));
    expect(next.filter((answer) => answer.status === 200).length).toBe(10);
    for (const app of [a, b]) app.clock.set(new Date(NOW.getTime() + 30_000));
    expect((await send(0)).status).toBe(200);
    await until('old rate-limit windows deleted', async () => (await rows.count({ where: { windowStart: { lt: BigInt(NOW.getTime() + 30_000) } } })) === 0);
    for (const app of [a, b]) app.clock.set(NOW);
  });

  it('refuses a key revoked on A on B too, within seconds, although B had it cached', async () => {
    const created = await a.app.get(ApiKeyService).create({ label: 'reader', scopes: ['policies:read'] });
    const onB = () => request(b.app.getHttpServer()).get('/v1/policies').set('authorization', `Bearer ${created.key}`);
    await onB().expect(200);
    await onB().expect(200); // cached by B now: its clock is fixed, so only a revocation notice can end it
    await a.http().delete(`/v1/keys/${created.id}`).expect(200);
    await request(a.app.getHttpServer()).get('/v1/policies').set('authorization', `Bearer ${created.key}`).expect(401);
    await until('B refuses the revoked key', async () => (await onB()).status === 401, 5000);
    expect((await onB()).body).toMatchObject({ status: 401, code: 'UNAUTHENTICATED' });
  });

  it('shares the signal cache: the same query on A then B asks the operator once', async () => {
    const before = tenureCalls();
    expect(tenureOf(await decide(a, LINE.established))).toMatchObject({ cached: false });
    const afterA = tenureCalls();
    expect(afterA).toBeGreaterThan(before);
    expect(tenureOf(await decide(b, LINE.established))).toMatchObject({ cached: true });
    expect(tenureCalls()).toBe(afterA);
    expect(await cachedRows(LINE.established)).toBeGreaterThan(0);
  });

  it('never serves an expired answer, purges expired rows, and takes two instances storing one key at once', async () => {
    await decide(a, LINE.simSwapped5h);
    const sixHoursLater = new Date(NOW.getTime() + 6 * 3_600_000 + 1000);
    for (const app of [a, b]) app.clock.set(sixHoursLater);
    expect(tenureOf(await decide(b, LINE.simSwapped5h))).toMatchObject({ cached: false });
    for (const app of [a, b]) app.clock.set(new Date(sixHoursLater.getTime() + 7 * 3_600_000));
    const store = a.app.get(SignalCacheStore, { strict: false }) as DatabaseSignalCache;
    expect(await store.purgeExpired()).toBeGreaterThan(0);
    expect(await a.app.get(PrismaService).client.signalCacheEntry.count()).toBe(0);
    for (const app of [a, b]) app.clock.set(NOW);

    const row = (answer: string) => ({ key: 'tenure:check:twin:{}', subjectHash: 'twin', answer, storedAt: NOW, expiresAt: new Date(NOW.getTime() + 60_000) });
    await Promise.all([a.app.get(SignalCacheRepository).upsert(row('{"n":1}')), b.app.get(SignalCacheRepository).upsert(row('{"n":2}'))]);
    expect(await a.app.get(SignalCacheRepository).deleteSubject('twin')).toBe(1);
  });

  it('answers lookups and stores made together (one batch on PostgreSQL) each on its own: last store of a key wins, expiry judged per lookup, times exact', async () => {
    const repository = a.app.get(SignalCacheRepository);
    const at = new Date('2026-06-15T11:59:58.123Z');
    const row = (key: string, answer: string, ttlMs: number) => ({ key, subjectHash: 'batch', answer, storedAt: at, expiresAt: new Date(at.getTime() + ttlMs) });
    await Promise.all([repository.upsert(row('k1', '{"v":1}', 60_000)), repository.upsert(row('k2', '{"v":2}', 1_000)), repository.upsert(row('k1', '{"v":3}', 60_000))]);
    const [k1, k2Before, k2After, missing] = await Promise.all([
      repository.find('k1', at),
      repository.find('k2', new Date(at.getTime() + 999)),
      repository.find('k2', new Date(at.getTime() + 1_000)),
      repository.find('k3', at),
    ]);
    expect(k1).toEqual(row('k1', '{"v":3}', 60_000));
    expect(k2Before).toEqual(row('k2', '{"v":2}', 1_000));
    expect(k2After).toBeUndefined();
    expect(missing).toBeUndefined();
    expect(await repository.deleteSubject('batch')).toBe(2);
  });

  it('an erasure through A makes B ask the operator again for that number, and no other', async () => {
    await decide(a, LINE.newLine);
    await decide(a, LINE.simSwapped48h);
    await a.http().post('/v1/erasures').send({ phoneNumber: LINE.newLine }).expect(200);
    expect(await cachedRows(LINE.newLine)).toBe(0);
    const before = tenureCalls();
    expect(tenureOf(await decide(b, LINE.newLine))).toMatchObject({ cached: false });
    const afterB = tenureCalls();
    expect(afterB).toBeGreaterThan(before);
    expect(tenureOf(await decide(b, LINE.simSwapped48h))).toMatchObject({ cached: true });
    expect(tenureCalls()).toBe(afterB);
  });

  it('the erasure CLI clears the shared cache too', async () => {
    await decide(a, LINE.recycled);
    expect(await cachedRows(LINE.recycled)).toBeGreaterThan(0);
    const lines: string[] = [];
    const out = { line: (text: string) => lines.push(text), error: (text: string) => lines.push(text) };
    const code = await runPrivacyCli(['erase', '--phone-number', LINE.recycled], out, { DATABASE_URL: database.url, NODE_ENV: 'test', LOG_LEVEL: 'warn' });
    expect({ code, lines }).toMatchObject({ code: 0 });
    expect(await cachedRows(LINE.recycled)).toBe(0);
    const before = tenureCalls();
    expect(tenureOf(await decide(b, LINE.recycled))).toMatchObject({ cached: false });
    expect(tenureCalls()).toBeGreaterThan(before);
  });
});

describe('FLEET_STATE=auto (e2e)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ lines: TEST_LINES, now: NOW });
  });
  afterAll(async () => {
    await t.close();
  });

  it('shares state through the database on PostgreSQL, and keeps it in memory on SQLite', () => {
    const shared = t.database.provider === 'postgres';
    expect(t.app.get(KeyRateLimiter)).toBeInstanceOf(shared ? FleetRateLimiter : RateLimiter);
    expect(t.app.get(SignalCacheStore, { strict: false })).toBeInstanceOf(shared ? DatabaseSignalCache : InMemorySignalCache);
  });
});

/** Polls `condition` until it holds; fails naming what was awaited if it does not within `limitMs`. */
async function until(what: string, condition: () => Promise<boolean>, limitMs = 5000): Promise<void> {
  const started = Date.now();
  while (Date.now() - started < limitMs) {
    if (await condition()) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`${what}: not within ${limitMs} ms`);
}
