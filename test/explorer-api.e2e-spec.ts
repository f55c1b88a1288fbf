import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { ApiKeyService } from '../src/auth/api-key.service';
import { Scope } from '../src/auth/scopes';
import { LINE, TEST_LINES } from './support/lines';
import { starterRulesDir } from './support/starter-rules';
import { startTestApp, TestApp } from './support/test-app';

/** What the explorer reads besides the decision API: time filters, outcome counts over time, candidate backtests. */
describe('explorer API: time filters, outcome stats, candidate backtest (e2e)', () => {
  let t: TestApp;
  let rulesDir: string;
  const ids: Record<string, string> = {};
  const zero = { ALLOW: 0, CHALLENGE: 0, REVIEW: 0, BLOCK: 0 };
  const keyWith = async (scopes: Scope[], useCases?: string[]) =>
    (await t.app.get(ApiKeyService).create({ label: `test ${scopes.join('+')}`, scopes, useCases })).key;
  const as = (key: string) => request.agent(t.app.getHttpServer()).set('authorization', `Bearer ${key}`);

  /** Made at known times; the clock ends at 12:00, the test dataset's NOW. */
  const DECISIONS: [name: string, at: string, body: Record<string, unknown>, outcome: string][] = [
    ['yesterday', '2026-06-14T15:00:00Z', { useCase: 'onboarding', phoneNumber: LINE.established }, 'ALLOW'],
    ['established', '2026-06-15T09:10:00Z', { useCase: 'onboarding', phoneNumber: LINE.established }, 'ALLOW'],
    ['newLine', '2026-06-15T09:50:00Z', { useCase: 'onboarding', phoneNumber: LINE.newLine }, 'REVIEW'],
    ['swap', '2026-06-15T11:30:00Z', { useCase: 'onboarding', phoneNumber: LINE.simSwapped5h }, 'CHALLENGE'],
    ['p2p', '2026-06-15T11:59:59Z', { useCase: 'p2p_recipient', phoneNumber: LINE.simSwapped48h, context: { amount: 25000, currency: 'EUR' } }, 'REVIEW'],
  ];

  beforeAll(async () => {
    // The starter policies (the run's snapshot), and a candidate for onboarding that BLOCKs a recent SIM swap.
    rulesDir = mkdtempSync(join(tmpdir(), 'linetrust-explorer-rules-'));
    const shipped = starterRulesDir();
    for (const name of readdirSync(shipped)) writeFileSync(join(rulesDir, name), readFileSync(join(shipped, name)));
    const candidate = JSON.parse(readFileSync(join(shipped, 'onboarding.json'), 'utf8'));
    candidate.rules.find((r: { name: string }) => r.name === 'recent-sim-swap').event.type = 'BLOCK';
    writeFileSync(join(rulesDir, 'onboarding.candidate.json'), JSON.stringify(candidate));

    t = await startTestApp({ lines: TEST_LINES, now: new Date('2026-06-15T12:00:00Z'), env: { RULES_DIR: rulesDir, POLICY_RELOAD: 'false' } });
    for (const [name, at, body, outcome] of DECISIONS) {
      t.clock.set(new Date(at));
      const made = await t.http().post('/v1/decisions').send(body).expect(201);
      expect({ name, outcome: made.body.outcome }).toEqual({ name, outcome });
      ids[name] = made.body.id;
    }
    t.clock.set(new Date('2026-06-15T12:00:00Z'));
  });
  afterAll(async () => {
    await t.close();
    rmSync(rulesDir, { recursive: true, force: true });
  });

  describe('GET /v1/decisions?from&to', () => {
    const listed = async (query: string) => (await t.http().get(`/v1/decisions?${query}`).expect(200)).body;

    it('keeps decisions made at or after from and before to, newest first', async () => {
      const page = await listed('from=2026-06-15T09:50:00Z&to=2026-06-15T11:59:59Z');
      expect(page.items.map((d: { id: string }) => d.id)).toEqual([ids.swap, ids.newLine]);
      expect((await listed('from=2026-06-15T11:00:00%2B01:00')).items.map((d: { id: string }) => d.id)).toEqual([ids.p2p, ids.swap]);
      expect((await listed('to=2026-06-15')).items.map((d: { id: string }) => d.id)).toEqual([ids.yesterday]);
    });

    it('combines the range with the other filters and with paging', async () => {
      expect((await listed('from=2026-06-15&outcome=REVIEW')).items.map((d: { id: string }) => d.id)).toEqual([ids.p2p, ids.newLine]);
      const first = await listed('from=2026-06-15&to=2026-06-15T11:00:00Z&limit=1');
      expect(first.items.map((d: { id: string }) => d.id)).toEqual([ids.newLine]);
      const second = await listed(`from=2026-06-15&to=2026-06-15T11:00:00Z&limit=1&cursor=${first.nextCursor}`);
      expect(second.items.map((d: { id: string }) => d.id)).toEqual([ids.established]);
      expect(second.nextCursor).toBeNull();
    });

    it.each([
      ['a week date', 'from=2026-W24'],
      ['a date-time without a zone (it would be read in the server time zone)', 'from=2026-06-15T09:00'],
      ['an impossible date', 'to=2026-02-30'],
      ['text', 'to=yesterday'],
    ])('refuses %s with 400 naming the field', async (_name, query) => {
      const response = await t.http().get(`/v1/decisions?${query}`).expect(400);
      expect(response.body).toEqual({ status: 400, code: 'INVALID_ARGUMENT', message: expect.stringMatching(/^(from|to) must be an ISO 8601 date or date-time with a zone/) });
    });
  });

  describe('GET /v1/decisions/stats', () => {
    const stats = async (query: string, key?: string) => (await (key ? as(key) : t.http()).get(`/v1/decisions/stats?${query}`).expect(200)).body;

    it('counts outcomes per hour, with empty hours as zeros', async () => {
      expect(await stats('from=2026-06-15T09:00:00Z&to=2026-06-15T12:00:00Z')).toEqual({
        bucket: 'hour',
        from: '2026-06-15T09:00:00.000Z',
        to: '2026-06-15T12:00:00.000Z',
        buckets: [
          { start: '2026-06-15T09:00:00.000Z', counts: { ...zero, ALLOW: 1, REVIEW: 1 } },
          { start: '2026-06-15T10:00:00.000Z', counts: zero },
          { start: '2026-06-15T11:00:00.000Z', counts: { ...zero, CHALLENGE: 1, REVIEW: 1 } },
        ],
      });
    });

    it('rounds the range out to whole buckets, and counts per UTC day', async () => {
      const hours = await stats('from=2026-06-15T09:30:00Z&to=2026-06-15T10:10:00Z');
      expect(hours.buckets.map((b: { start: string }) => b.start)).toEqual(['2026-06-15T09:00:00.000Z', '2026-06-15T10:00:00.000Z']);
      expect(await stats('from=2026-06-14&to=2026-06-16&bucket=day')).toMatchObject({
        buckets: [
          { start: '2026-06-14T00:00:00.000Z', counts: { ...zero, ALLOW: 1 } },
          { start: '2026-06-15T00:00:00.000Z', counts: { ALLOW: 1, CHALLENGE: 1, REVIEW: 2, BLOCK: 0 } },
        ],
      });
    });

    it('defaults to the last 24 hours up to the current hour included', async () => {
      const body = await stats('');
      expect(body).toMatchObject({ bucket: 'hour', from: '2026-06-14T13:00:00.000Z', to: '2026-06-15T13:00:00.000Z' });
      expect(body.buckets).toHaveLength(24);
      const total = body.buckets.reduce((sum: number, b: { counts: Record<string, number> }) => sum + Object.values(b.counts).reduce((a, c) => a + c, 0), 0);
      expect(total).toBe(DECISIONS.length);
      expect((await stats('bucket=day')).buckets).toHaveLength(30);
    });

    it('counts one use case, and only the use cases of a limited key', async () => {
      const range = 'from=2026-06-15T11:00:00Z&to=2026-06-15T12:00:00Z';
      expect((await stats(`${range}&useCase=onboarding`)).buckets[0].counts).toEqual({ ...zero, CHALLENGE: 1 });
      const p2p = await keyWith(['decisions:read'], ['p2p_recipient']);
      expect((await stats(range, p2p)).buckets[0].counts).toEqual({ ...zero, REVIEW: 1 });
      const refused = await as(p2p).get(`/v1/decisions/stats?${range}&useCase=onboarding`).expect(403);
      expect(refused.body).toMatchObject({ code: 'PERMISSION_DENIED', message: 'This API key may not use the use case "onboarding".' });
      await as(await keyWith(['policies:read'])).get('/v1/decisions/stats').expect(403);
    });

    it.each([
      ['too many buckets', 'from=2026-01-01&to=2026-06-15', /span 3960 hour buckets, at most 200/],
      ['from after to', 'from=2026-06-15T12:00:00Z&to=2026-06-15T11:00:00Z', /^from must be before to$/],
      ['an unknown bucket', 'bucket=week', /bucket must be one of/],
      ['a malformed from', 'from=2026-W24', /^from must be an ISO 8601/],
    ])('refuses %s with 400', async (_name, query, message) => {
      const response = await t.http().get(`/v1/decisions/stats?${query}`).expect(400);
      expect(response.body).toMatchObject({ status: 400, code: 'INVALID_ARGUMENT', message: expect.stringMatching(message) });
    });
  });

  describe('times outside 1970-01-01 .. 9000-01-01, on every route that takes from and to', () => {
    const OUT_OF_RANGE = /^(from|to) must be on or after 1970-01-01T00:00:00Z and before 9000-01-01T00:00:00Z/;

    it.each([
      ['GET /v1/decisions?from', '/v1/decisions?from=9999-12-31T20:00:00Z'],
      ['GET /v1/decisions?to', '/v1/decisions?to=1969-12-31T23:59:59Z'],
      // Rounded out to whole buckets, these once went past year 9999 and reached a 500.
      ['GET /v1/decisions/stats by hour', '/v1/decisions/stats?from=9999-12-31T20:00:00Z&to=9999-12-31T23:59:59Z'],
      ['GET /v1/decisions/stats by day', '/v1/decisions/stats?from=9999-12-31T20:00:00Z&to=9999-12-31T23:59:59Z&bucket=day'],
      ['GET /v1/decisions/stats in 1900', '/v1/decisions/stats?from=1900-01-01&to=1900-01-02&bucket=day'],
      ['GET /v1/decisions/stats, an offset taking a 1970 date back to 1969', '/v1/decisions/stats?from=1970-01-01T00:30:00%2B01:00'],
      ['GET /v1/policies/{id}/shadow', '/v1/policies/onboarding/shadow?to=9000-01-01'],
    ])('%s: 400 saying so', async (_name, url) => {
      const response = await t.http().get(url).expect(400);
      expect(response.body).toEqual({ status: 400, code: 'INVALID_ARGUMENT', message: expect.stringMatching(OUT_OF_RANGE) });
    });

    it('POST /v1/policies/{id}/backtest: 400 saying so', async () => {
      const response = await t.http().post('/v1/policies/onboarding/backtest').send({ from: '1969-12-31T23:59:59.999Z' }).expect(400);
      expect(response.body).toEqual({ status: 400, code: 'INVALID_ARGUMENT', message: expect.stringMatching(OUT_OF_RANGE) });
    });

    it('accepts the edges of the range', async () => {
      expect((await t.http().get('/v1/decisions?from=1970-01-01&to=8999-12-31T23:59:59.999Z').expect(200)).body.items).toHaveLength(DECISIONS.length);
      const stats = await t.http().get('/v1/decisions/stats?from=8999-12-31T20:00:00Z&to=8999-12-31T23:59:59Z').expect(200);
      expect(stats.body).toMatchObject({ from: '8999-12-31T20:00:00.000Z', to: '9000-01-01T00:00:00.000Z' });
      expect(stats.body.buckets).toHaveLength(4);
    });
  });

  describe('GET /v1/policies/{id}/shadow?from&to', () => {
    it('refuses a time the server could not read (400, not 500)', async () => {
      const response = await t.http().get('/v1/policies/onboarding/shadow?from=2026-W24').expect(400);
      expect(response.body.message).toMatch(/^from must be an ISO 8601 date or date-time with a zone/);
    });
  });

  describe('POST /v1/policies/{id}/backtest', () => {
    it("replays the stored decisions against the policy's registered candidate, over a time range", async () => {
      const shadow = await t.http().get('/v1/policies/onboarding/shadow').expect(200);
      const all = await t.http().post('/v1/policies/onboarding/backtest').send({}).expect(200);
      expect(all.body).toMatchObject({
        policyId: 'onboarding',
        candidateVersion: shadow.body.candidates[0].version,
        decisions: 4,
        changedCount: 1,
        changed: [{ id: ids.swap, before: 'CHALLENGE', after: 'BLOCK' }],
      });
      expect(all.body.matrix.CHALLENGE).toEqual({ ...zero, BLOCK: 1 });
      const today = await t.http().post('/v1/policies/onboarding/backtest').send({ from: '2026-06-15', to: '2026-06-15T11:00:00Z' }).expect(200);
      expect(today.body).toMatchObject({ decisions: 2, changedCount: 0 });
    });

    it('answers 404 for a policy without a candidate or an unknown policy, 403 without the admin scope', async () => {
      const none = await t.http().post('/v1/policies/p2p_recipient/backtest').send({}).expect(404);
      expect(none.body).toEqual({ status: 404, code: 'NOT_FOUND', message: 'policy p2p_recipient has no candidate: add rules/p2p_recipient.candidate.json to backtest one' });
      const unknown = await t.http().post('/v1/policies/lending/backtest').send({}).expect(404);
      expect(unknown.body.message).toBe('policy lending not found');
      await t.http().post('/v1/policies/onboarding/backtest').send({ from: 'last week' }).expect(400);
      await t.http().post('/v1/policies/onboarding/backtest').send({ since: '2026-06-15' }).expect(400);
      const reader = await keyWith(['decisions:read', 'policies:read']);
      await as(reader).post('/v1/policies/onboarding/backtest').send({}).expect(403);
    });
  });

  it('leads GET / to the explorer (302), without a key, and the page it names is served', async () => {
    const server = () => request(t.app.getHttpServer());
    for (const root of [() => server().get('/'), () => server().get('/').set('authorization', 'Bearer not-a-key'), () => server().head('/')]) {
      const response = await root().expect(302);
      expect(response.headers.location).toBe('/explorer/');
    }
    expect((await server().get('/explorer/').expect(200)).headers['content-type']).toBe('text/html; charset=utf-8');
  });
});
