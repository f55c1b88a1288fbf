import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { ApiKeyService } from '../src/auth/api-key.service';
import { Scope } from '../src/auth/scopes';
import { LINE, NOW, TEST_LINES } from './support/lines';
import { starterRulesDir } from './support/starter-rules';
import { startTestApp, TestApp } from './support/test-app';

/** What the explorer's analysts use: the key's own description, search in a body, labels on reads and for analysts, score and rule charts. */
describe('explorer API for analysts: keys/me, search, labels, breakdown (e2e)', () => {
  let t: TestApp;
  let rulesDir: string;
  const ids: Record<string, string> = {};
  const scores: Record<string, number> = {};
  const keyWith = async (scopes: Scope[], useCases?: string[]) => {
    const created = await t.app.get(ApiKeyService).create({ label: `test ${scopes.join('+')}`, scopes, useCases });
    return { key: created.key, id: created.id };
  };
  const as = (key: string) => request.agent(t.app.getHttpServer()).set('authorization', `Bearer ${key}`);
  const idsOf = (body: { items: { id: string }[] }) => body.items.map((d) => d.id);

  /** Made at known times; the clock ends at NOW (12:00Z). */
  const DECISIONS: [name: string, at: string, body: Record<string, unknown>, outcome: string][] = [
    ['established', '2026-06-15T09:10:00Z', { useCase: 'onboarding', phoneNumber: LINE.established, subjectId: 'customer-1' }, 'ALLOW'],
    ['newLine', '2026-06-15T09:50:00Z', { useCase: 'onboarding', phoneNumber: LINE.newLine, subjectId: 'customer-2' }, 'REVIEW'],
    ['swap', '2026-06-15T11:30:00Z', { useCase: 'onboarding', phoneNumber: LINE.simSwapped5h, subjectId: 'customer-1' }, 'CHALLENGE'],
    ['p2p', '2026-06-15T11:59:59Z', { useCase: 'p2p_recipient', phoneNumber: LINE.simSwapped48h, context: { amount: 25000, currency: 'EUR' } }, 'REVIEW'],
    ['established2', '2026-06-15T11:59:59Z', { useCase: 'onboarding', phoneNumber: LINE.established }, 'ALLOW'],
  ];

  beforeAll(async () => {
    // The starter policies, and a candidate for onboarding that BLOCKs a recent SIM swap (to backtest with labels).
    rulesDir = mkdtempSync(join(tmpdir(), 'linetrust-analyst-rules-'));
    const shipped = starterRulesDir();
    for (const name of readdirSync(shipped)) writeFileSync(join(rulesDir, name), readFileSync(join(shipped, name)));
    const candidate = JSON.parse(readFileSync(join(shipped, 'onboarding.json'), 'utf8'));
    candidate.rules.find((r: { name: string }) => r.name === 'recent-sim-swap').event.type = 'BLOCK';
    writeFileSync(join(rulesDir, 'onboarding.candidate.json'), JSON.stringify(candidate));

    t = await startTestApp({ lines: TEST_LINES, now: NOW, env: { RULES_DIR: rulesDir, POLICY_RELOAD: 'false' } });
    for (const [name, at, body, outcome] of DECISIONS) {
      t.clock.set(new Date(at));
      const made = await t.http().post('/v1/decisions').send(body).expect(201);
      expect({ name, outcome: made.body.outcome }).toEqual({ name, outcome });
      ids[name] = made.body.id;
      scores[name] = made.body.score;
    }
    t.clock.set(NOW);
  });
  afterAll(async () => {
    await t.close();
    rmSync(rulesDir, { recursive: true, force: true });
  });

  describe('GET /v1/keys/me', () => {
    it('describes the calling key, whatever its scopes, and never its secret', async () => {
      const analyst = await keyWith(['cases:read', 'cases:write'], ['onboarding']);
      const me = await as(analyst.key).get('/v1/keys/me').expect(200);
      expect(me.body).toEqual({ id: analyst.id, label: 'test cases:read+cases:write', scopes: ['cases:read', 'cases:write'], useCases: ['onboarding'] });
      expect(JSON.stringify(me.body)).not.toContain(analyst.key.slice(-20));
      expect((await t.http().get('/v1/keys/me').expect(200)).body).toMatchObject({ scopes: ['admin'], useCases: null });
    });

    it('answers 401 without a valid key', async () => {
      expect((await request(t.app.getHttpServer()).get('/v1/keys/me').expect(401)).body).toMatchObject({ status: 401, code: 'UNAUTHENTICATED' });
    });
  });

  describe('POST /v1/decisions/search', () => {
    it('finds a number\'s decisions with the number in the body, as GET does with it in the query', async () => {
      const found = await t.http().post('/v1/decisions/search').send({ phoneNumber: LINE.established }).expect(200);
      expect(idsOf(found.body)).toEqual([ids.established2, ids.established]);
      const listed = await t.http().get(`/v1/decisions?phoneNumber=${encodeURIComponent(LINE.established)}`).expect(200);
      expect(found.body).toEqual(listed.body);
      expect(JSON.stringify(found.body)).not.toContain(LINE.established);
    });

    it('combines the filters, pages with the cursor, and answers everything with an empty body', async () => {
      expect(idsOf((await t.http().post('/v1/decisions/search').send({ subjectId: 'customer-1' }).expect(200)).body)).toEqual([ids.swap, ids.established]);
      expect(idsOf((await t.http().post('/v1/decisions/search').send({ subjectId: 'customer-1', outcome: 'ALLOW' }).expect(200)).body)).toEqual([ids.established]);
      const first = await t.http().post('/v1/decisions/search').send({ useCase: 'onboarding', limit: 2 }).expect(200);
      expect(idsOf(first.body)).toEqual([ids.established2, ids.swap]);
      const second = await t.http().post('/v1/decisions/search').send({ useCase: 'onboarding', limit: 2, cursor: first.body.nextCursor }).expect(200);
      expect(second.body).toMatchObject({ nextCursor: null });
      expect(idsOf(second.body)).toEqual([ids.newLine, ids.established]);
      expect((await t.http().post('/v1/decisions/search').send({ from: '2026-06-15T11:00:00Z', to: '2026-06-15T11:59:59Z' }).expect(200)).body.items).toHaveLength(1);
      expect((await t.http().post('/v1/decisions/search').send({}).expect(200)).body.items).toHaveLength(DECISIONS.length);
      // No body at all is not JSON: refused like any other POST without one, in the CAMARA shape.
      expect((await t.http().post('/v1/decisions/search').expect(415)).body).toMatchObject({ status: 415 });
    });

    it.each([
      ['a malformed number, without echoing it', { phoneNumber: '+34 611 000 001' }, /phoneNumber/],
      ['an unknown field', { phone: LINE.established }, /phone/],
      ['a limit above 100', { limit: 101 }, /limit/],
      ['a foreign cursor', { cursor: 'abc' }, /cursor/],
      ['a JSON array', [LINE.established], /./],
    ])('refuses %s with a CAMARA 400', async (_name, body, message) => {
      const response = await t.http().post('/v1/decisions/search').send(body as object).expect(400);
      expect(response.body).toMatchObject({ status: 400, code: 'INVALID_ARGUMENT', message: expect.stringMatching(message) });
      expect(response.body.message).not.toContain('611 000 001');
    });

    it('keeps a limited key inside its use cases, and needs decisions:read', async () => {
      const p2p = await keyWith(['decisions:read'], ['p2p_recipient']);
      expect(idsOf((await as(p2p.key).post('/v1/decisions/search').send({}).expect(200)).body)).toEqual([ids.p2p]);
      await as(p2p.key).post('/v1/decisions/search').send({ useCase: 'onboarding' }).expect(403);
      const writer = await keyWith(['decisions:write']);
      await as(writer.key).post('/v1/decisions/search').send({}).expect(403);
    });
  });

  describe('labels', () => {
    it('shows no label on a decision never labelled', async () => {
      const read = await t.http().get(`/v1/decisions/${ids.newLine}`).expect(200);
      expect(read.body).not.toHaveProperty('label');
      expect(read.body).not.toHaveProperty('labeledAt');
    });

    it('lets an analyst key (cases:write) label, and every read shows the label and when it was set', async () => {
      const analyst = await keyWith(['cases:write', 'decisions:read']);
      t.clock.set(new Date('2026-06-15T12:05:00Z'));
      const labelled = await as(analyst.key).post(`/v1/decisions/${ids.swap}/feedback`).send({ label: 'fraud' }).expect(200);
      expect(labelled.body).toEqual({ id: ids.swap, label: 'fraud', labeledAt: '2026-06-15T12:05:00.000Z' });
      const expected = { id: ids.swap, label: 'fraud', labeledAt: '2026-06-15T12:05:00.000Z' };
      expect((await as(analyst.key).get(`/v1/decisions/${ids.swap}`).expect(200)).body).toMatchObject(expected);
      const listed = (await as(analyst.key).get('/v1/decisions?subjectId=customer-1').expect(200)).body.items;
      expect(listed).toEqual([expect.objectContaining(expected), expect.not.objectContaining({ label: expect.anything() })]);
      expect((await as(analyst.key).post('/v1/decisions/search').send({ subjectId: 'customer-1', limit: 1 }).expect(200)).body.items[0]).toMatchObject(expected);

      // A second label replaces the first; admin keeps labelling.
      t.clock.set(new Date('2026-06-15T12:06:00Z'));
      await t.http().post(`/v1/decisions/${ids.swap}/feedback`).send({ label: 'legitimate' }).expect(200);
      expect((await t.http().get(`/v1/decisions/${ids.swap}`).expect(200)).body).toMatchObject({ label: 'legitimate', labeledAt: '2026-06-15T12:06:00.000Z' });
      t.clock.set(NOW);
    });

    it('refuses a key without cases:write (403), and hides other use cases from a limited one (404)', async () => {
      const reader = await keyWith(['decisions:read', 'cases:read']);
      await as(reader.key).post(`/v1/decisions/${ids.newLine}/feedback`).send({ label: 'fraud' }).expect(403);
      const p2pAnalyst = await keyWith(['cases:write'], ['p2p_recipient']);
      const hidden = await as(p2pAnalyst.key).post(`/v1/decisions/${ids.newLine}/feedback`).send({ label: 'fraud' }).expect(404);
      expect(hidden.body).toEqual({ status: 404, code: 'NOT_FOUND', message: `decision ${ids.newLine} not found` });
      expect((await t.http().get(`/v1/decisions/${ids.newLine}`).expect(200)).body).not.toHaveProperty('label');
      await as(p2pAnalyst.key).post(`/v1/decisions/${ids.p2p}/feedback`).send({ label: 'legitimate' }).expect(200);
      await as(p2pAnalyst.key).post('/v1/decisions/not-a-uuid/feedback').send({ label: 'fraud' }).expect(404);
    });

    it('feeds the backtest: a label given by an analyst counts in precision and recall', async () => {
      const analyst = await keyWith(['cases:write']);
      await as(analyst.key).post(`/v1/decisions/${ids.newLine}/feedback`).send({ label: 'fraud' }).expect(200);
      await as(analyst.key).post(`/v1/decisions/${ids.established}/feedback`).send({ label: 'legitimate' }).expect(200);
      const report = (await t.http().post('/v1/policies/onboarding/backtest').send({}).expect(200)).body;
      // Labelled: newLine REVIEW fraud, established ALLOW legitimate, swap CHALLENGE legitimate.
      expect(report.labels.labelled).toBe(3);
      expect(report.labels.before.REVIEW).toEqual({ decisions: 1, fraud: 1, precision: 1, recall: 1 });
    });
  });

  describe('GET /v1/decisions/stats/breakdown', () => {
    const breakdown = async (query: string, key?: string) => (await (key ? as(key) : t.http()).get(`/v1/decisions/stats/breakdown?${query}`).expect(200)).body;

    it('counts every decision of the range in its score band, and each rule hit in its bucket', async () => {
      const body = await breakdown('from=2026-06-15T09:00:00Z&to=2026-06-15T12:00:00Z');
      expect(body).toMatchObject({ bucket: 'hour', from: '2026-06-15T09:00:00.000Z', to: '2026-06-15T12:00:00.000Z', scanned: 5, complete: true });
      expect(body.starts).toEqual(['2026-06-15T09:00:00.000Z', '2026-06-15T10:00:00.000Z', '2026-06-15T11:00:00.000Z']);
      const band = (score: number) => Math.min(9, Math.floor(score / 10));
      const expected = Array.from({ length: 10 }, (_, i) => ({ min: i * 10, max: i === 9 ? 100 : i * 10 + 9, count: Object.values(scores).filter((s) => band(s) === i).length }));
      expect(body.scores).toEqual(expected);
      expect(body.rules).toEqual([
        { useCase: 'onboarding', rule: 'established-postpaid-line', total: 2, counts: [1, 0, 1] },
        { useCase: 'onboarding', rule: 'new-line', total: 1, counts: [1, 0, 0] },
        { useCase: 'onboarding', rule: 'prepaid-line', total: 1, counts: [1, 0, 0] },
        { useCase: 'onboarding', rule: 'recent-sim-swap', total: 1, counts: [0, 0, 1] },
        { useCase: 'p2p_recipient', rule: 'recipient-sim-swap', total: 1, counts: [0, 0, 1] },
      ]);
    });

    it('rounds the range out to whole buckets, leaves out the decisions outside, and counts per day', async () => {
      expect(await breakdown('from=2026-06-15T10:10:00Z&to=2026-06-15T10:20:00Z')).toMatchObject({ scanned: 0, complete: true, starts: ['2026-06-15T10:00:00.000Z'], rules: [] });
      const late = await breakdown('from=2026-06-15T11:10:00Z&to=2026-06-15T11:20:00Z');
      expect(late).toMatchObject({ scanned: 3, starts: ['2026-06-15T11:00:00.000Z'] });
      expect(late.rules.map((r: { rule: string; counts: number[] }) => [r.rule, r.counts])).toEqual([
        ['established-postpaid-line', [1]],
        ['recent-sim-swap', [1]],
        ['recipient-sim-swap', [1]],
      ]);
      const days = await breakdown('from=2026-06-14&to=2026-06-16&bucket=day');
      expect(days.starts).toEqual(['2026-06-14T00:00:00.000Z', '2026-06-15T00:00:00.000Z']);
      expect(days.rules[0]).toEqual({ useCase: 'onboarding', rule: 'established-postpaid-line', total: 2, counts: [0, 2] });
    });

    it('counts only the use cases of a limited key, and refuses a bad range with 400', async () => {
      const p2p = await keyWith(['decisions:read'], ['p2p_recipient']);
      const body = await breakdown('from=2026-06-15T09:00:00Z&to=2026-06-15T12:00:00Z', p2p.key);
      expect(body).toMatchObject({ scanned: 1, rules: [{ useCase: 'p2p_recipient', rule: 'recipient-sim-swap', total: 1 }] });
      expect(body.scores.reduce((sum: number, b: { count: number }) => sum + b.count, 0)).toBe(1);
      await as(p2p.key).get('/v1/decisions/stats/breakdown?useCase=onboarding').expect(403);
      const refused = await t.http().get('/v1/decisions/stats/breakdown?from=2026-01-01&to=2026-06-15').expect(400);
      expect(refused.body).toMatchObject({ status: 400, code: 'INVALID_ARGUMENT', message: expect.stringMatching(/at most 200/) });
    });
  });
});
