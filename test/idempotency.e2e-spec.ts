import request from 'supertest';
import { ApiKeyService } from '../src/auth/api-key.service';
import { DecisionRepository } from '../src/decisions/decision.repository';
import { PrismaService } from '../src/prisma/prisma.service';
import { LINE, NOW, TEST_LINES } from './support/lines';
import { createTestDatabase, TestDatabase } from './support/test-database';
import { startTestApp, TestApp } from './support/test-app';

const HOUR_MS = 3_600_000;

describe('Idempotency-Key on POST /v1/decisions (e2e)', () => {
  let database: TestDatabase;
  let t: TestApp;
  /** A second instance on the same database: stateless instances share it in production. */
  let other: TestApp;

  const count = () => t.app.get(PrismaService).client.decision.count();
  const operatorCalls = async () => {
    const items = (await t.http().get('/v1/signals').expect(200)).body.items as { calls: number }[];
    return items.reduce((sum, item) => sum + item.calls, 0);
  };
  const body = { useCase: 'onboarding', phoneNumber: LINE.simSwapped48h, subjectId: 'customer-1' };

  beforeAll(async () => {
    database = await createTestDatabase();
    t = await startTestApp({ lines: TEST_LINES, now: NOW, env: { DATABASE_URL: database.url, IDEMPOTENCY_TTL_HOURS: '24' } });
    other = await startTestApp({ lines: TEST_LINES, now: NOW, env: { DATABASE_URL: database.url } });
  });
  afterAll(async () => {
    await other.close();
    await t.close();
    await database.drop();
  });

  it('answers a retry with the decision first made: same id, no new row, no new signal call', async () => {
    const first = await t.http().post('/v1/decisions').set('idempotency-key', 'order-1001').send(body).expect(201);
    expect(first.headers['idempotent-replayed']).toBeUndefined();
    const [rows, calls] = [await count(), await operatorCalls()];

    // The same body with its fields in another order is the same request.
    const retry = await t.http().post('/v1/decisions').set('idempotency-key', 'order-1001').send({ subjectId: 'customer-1', phoneNumber: LINE.simSwapped48h, useCase: 'onboarding' }).expect(201);
    expect(retry.headers['idempotent-replayed']).toBe('true');
    expect(retry.body).toEqual(first.body);
    expect(await count()).toBe(rows);
    expect(await operatorCalls()).toBe(calls);
  });

  it('refuses the same key with another body: 409 CONFLICT, nothing stored', async () => {
    await t.http().post('/v1/decisions').set('idempotency-key', 'order-1002').send(body).expect(201);
    const rows = await count();
    const conflict = await t.http().post('/v1/decisions').set('idempotency-key', 'order-1002').send({ ...body, subjectId: 'customer-2' }).expect(409);
    expect(conflict.body).toEqual({
      status: 409,
      code: 'CONFLICT',
      message: 'This Idempotency-Key was already used with a different request body; use a new key for a new request.',
    });
    expect(await count()).toBe(rows);
  });

  it('makes one decision for concurrent retries, on one instance and across two', async () => {
    const rows = await count();
    await t.app.listen(0, '127.0.0.1');
    await other.app.listen(0, '127.0.0.1');
    const urls = [await t.app.getUrl(), await other.app.getUrl()];
    const send = (i: number) =>
      fetch(`${urls[i % 2]}/v1/decisions`, {
        method: 'POST',
        headers: { ...t.auth, 'content-type': 'application/json', 'idempotency-key': 'order-1003' },
        body: JSON.stringify(body),
      }).then(async (response) => ({ status: response.status, id: ((await response.json()) as { id: string }).id }));
    const answers = await Promise.all(Array.from({ length: 12 }, (_, i) => send(i)));
    expect(new Set(answers.map((a) => a.status))).toEqual(new Set([201]));
    expect(new Set(answers.map((a) => a.id)).size).toBe(1);
    expect(await count()).toBe(rows + 1);
  });

  it('keeps each API key in its own namespace of Idempotency-Keys', async () => {
    const second = (await t.app.get(ApiKeyService).create({ label: 'second client', scopes: ['decisions:write'] })).key;
    const mine = await t.http().post('/v1/decisions').set('idempotency-key', 'shared-name').send(body).expect(201);
    const theirs = await request(t.app.getHttpServer()).post('/v1/decisions').set('authorization', `Bearer ${second}`).set('idempotency-key', 'shared-name').send({ ...body, subjectId: 'x' }).expect(201);
    expect(theirs.body.id).not.toBe(mine.body.id);
  });

  it('frees the key when the request fails, so a corrected retry can use it', async () => {
    await t.http().post('/v1/decisions').set('idempotency-key', 'order-1004').send({ ...body, useCase: 'lending' }).expect(400);
    const fixed = await t.http().post('/v1/decisions').set('idempotency-key', 'order-1004').send(body).expect(201);
    expect(fixed.headers['idempotent-replayed']).toBeUndefined();
  });

  it('makes a new decision for a key whose decision was erased', async () => {
    const erasable = { ...body, subjectId: 'customer-erased' };
    const first = await t.http().post('/v1/decisions').set('idempotency-key', 'order-1006').send(erasable).expect(201);
    await t.http().post('/v1/erasures').send({ subjectId: 'customer-erased' }).expect(200);
    const again = await t.http().post('/v1/decisions').set('idempotency-key', 'order-1006').send(erasable).expect(201);
    expect(again.headers['idempotent-replayed']).toBeUndefined();
    expect(again.body.id).not.toBe(first.body.id);
  });

  it.each([[''], ['x'.repeat(256)], ['has space'], ['é']])('refuses the malformed key %p with 400 before deciding', async (key) => {
    const rows = await count();
    const response = await t.http().post('/v1/decisions').set('idempotency-key', key).send(body).expect(400);
    expect(response.body).toEqual({ status: 400, code: 'INVALID_ARGUMENT', message: 'Idempotency-Key must be 1 to 255 visible ASCII characters.' });
    expect(await count()).toBe(rows);
  });

  it('forgets a key after IDEMPOTENCY_TTL_HOURS: a reuse then makes a new decision', async () => {
    const first = await t.http().post('/v1/decisions').set('idempotency-key', 'order-1005').send(body).expect(201);
    t.clock.set(new Date(NOW.getTime() + 25 * HOUR_MS));
    try {
      const later = await t.http().post('/v1/decisions').set('idempotency-key', 'order-1005').send({ ...body, subjectId: 'customer-9' }).expect(201);
      expect(later.body.id).not.toBe(first.body.id);
    } finally {
      t.clock.set(NOW);
    }
  });
});

describe('Idempotency-Key when an instance stalls (e2e)', () => {
  let database: TestDatabase;
  let stalled: TestApp;
  let healthy: TestApp;
  const body = { useCase: 'onboarding', phoneNumber: LINE.newLine, subjectId: 'customer-stall' };

  beforeAll(async () => {
    database = await createTestDatabase();
    stalled = await startTestApp({ lines: TEST_LINES, now: NOW, env: { DATABASE_URL: database.url } });
    healthy = await startTestApp({ lines: TEST_LINES, now: NOW, env: { DATABASE_URL: database.url } });
  });
  afterAll(async () => {
    await healthy.close();
    await stalled.close();
    await database.drop();
  });

  it('takes over a claim left pending, and the stalled instance, back, stores nothing and answers the same decision', async () => {
    const prisma = healthy.app.get(PrismaService).client;
    // The stalled instance decides, then hangs just before storing, holding the claim.
    let resume!: () => void;
    const gate = new Promise<void>((resolve) => (resume = resolve));
    const repository = stalled.app.get(DecisionRepository);
    const insertClaimed = repository.insertClaimed.bind(repository);
    const spy = jest.spyOn(repository, 'insertClaimed').mockImplementation(async (...args) => {
      await gate;
      return insertClaimed(...args);
    });
    const first = stalled.http().post('/v1/decisions').set('authorization', `Bearer ${healthy.key}`).set('idempotency-key', 'stall-1').send(body).then((r) => r);
    while ((await prisma.idempotencyRecord.count({ where: { key: 'stall-1' } })) === 0) await new Promise((r) => setImmediate(r));

    // A retry reaches the healthy instance, waits, and after the stale time (its own clock,
    // here sped up) takes the claim over and decides.
    const realNow = performance.now.bind(performance);
    const start = realNow();
    const clock = jest.spyOn(performance, 'now').mockImplementation(() => start + (realNow() - start) * 1000);
    const taken = await healthy.http().post('/v1/decisions').set('idempotency-key', 'stall-1').send(body).expect(201);
    clock.mockRestore();

    // The stalled instance comes back: its write finds the claim gone, so it answers the
    // decision the retry made instead of storing a second one.
    resume();
    const late = await first;
    spy.mockRestore();
    expect(late.status).toBe(201);
    expect(late.body.id).toBe(taken.body.id);
    expect(await prisma.decision.count({ where: { subjectId: 'customer-stall' } })).toBe(1);
  });
});
