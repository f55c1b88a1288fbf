import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApiKeyService } from '../src/auth/api-key.service';
import { Scope } from '../src/auth/scopes';
import { BacktestService } from '../src/decisions/backtest.service';
import { PrismaService } from '../src/prisma/prisma.service';
import { LINE, NOW, TEST_LINES } from './support/lines';
import { starterRule } from './support/starter-rules';
import { startTestApp, TestApp } from './support/test-app';

/** The review queue: a REVIEW decision opens a case, analysts claim, note and resolve it, the resolution labels the decision. */
describe('review queue (e2e)', () => {
  let t: TestApp;
  let dir: string;
  const HOUR = 3_600_000;

  beforeAll(async () => {
    t = await startTestApp({ lines: TEST_LINES, now: NOW });
    dir = mkdtempSync(join(tmpdir(), 'linetrust-cases-'));
  });
  afterAll(async () => {
    await t.close();
    rmSync(dir, { recursive: true, force: true });
  });
  afterEach(() => t.clock.set(NOW));

  const keyWith = async (scopes: Scope[], useCases?: string[]) => {
    const created = await t.app.get(ApiKeyService).create({ label: `analyst ${scopes.join('+')}`, scopes, useCases });
    return { key: created.key, id: created.id };
  };
  const as = (key: string) => ({
    get: (url: string) => t.http().get(url).set('authorization', `Bearer ${key}`),
    post: (url: string, body: object = {}) => t.http().post(url).set('authorization', `Bearer ${key}`).send(body),
  });
  const decide = async (useCase: string, phoneNumber: string, extra: object = {}) =>
    (await t.http().post('/v1/decisions').send({ useCase, phoneNumber, ...extra }).expect(201)).body as { id: string; outcome: string; createdAt: string };
  const caseOf = async (decisionId: string) => t.app.get(PrismaService).client.case.findUnique({ where: { decisionId } });
  const labelOf = async (decisionId: string) => (await t.app.get(PrismaService).client.decision.findUniqueOrThrow({ where: { id: decisionId } })).label;

  it('opens a case with a REVIEW decision, due after the default 24 h SLA, and none for other outcomes', async () => {
    const review = await decide('onboarding', LINE.newLine);
    const allow = await decide('onboarding', LINE.established);
    expect(review.outcome).toBe('REVIEW');
    expect(allow.outcome).not.toBe('REVIEW');
    expect(await caseOf(allow.id)).toBeNull();
    const opened = await caseOf(review.id);
    expect(opened).not.toBeNull();
    const listed = await t.http().get('/v1/cases').query({ status: 'open', useCase: 'onboarding' }).expect(200);
    const item = listed.body.items.find((c: { decisionId: string }) => c.decisionId === review.id);
    expect(item).toEqual({
      id: opened!.id,
      decisionId: review.id,
      useCase: 'onboarding',
      outcome: 'REVIEW',
      score: expect.any(Number),
      status: 'open',
      assignee: null,
      disposition: null,
      createdAt: review.createdAt,
      dueAt: new Date(new Date(review.createdAt).getTime() + 24 * HOUR).toISOString(),
      overdue: false,
      claimedAt: null,
      resolvedAt: null,
    });
    const detail = await t.http().get(`/v1/cases/${opened!.id}`).expect(200);
    expect(detail.body.decision).toMatchObject({ id: review.id, outcome: 'REVIEW' });
    expect(detail.body.events).toEqual([expect.objectContaining({ action: 'opened', apiKeyId: null })]);
  });

  it('goes from open to resolved: claim, note, resolve as fraud, each audited with the acting key, and labels the decision', async () => {
    const analyst = await keyWith(['cases:read', 'cases:write']);
    const review = await decide('onboarding', LINE.newLine);
    const id = (await caseOf(review.id))!.id;

    t.clock.set(new Date(NOW.getTime() + 60_000));
    const claimed = await as(analyst.key).post(`/v1/cases/${id}/claim`).expect(200);
    expect(claimed.body).toMatchObject({ status: 'claimed', assignee: analyst.id, claimedAt: new Date(NOW.getTime() + 60_000).toISOString() });
    // Claiming one's own claim again changes nothing, and audits nothing.
    await as(analyst.key).post(`/v1/cases/${id}/claim`).expect(200);

    await as(analyst.key).post(`/v1/cases/${id}/notes`, { note: 'SIM bought last week, customer unreachable' }).expect(200);
    const mine = await as(analyst.key).get('/v1/cases').query({ assignee: 'me', status: 'claimed' }).expect(200);
    expect(mine.body.items.map((c: { id: string }) => c.id)).toContain(id);

    expect(await labelOf(review.id)).toBeNull();
    const resolved = await as(analyst.key).post(`/v1/cases/${id}/resolve`, { disposition: 'fraud', note: 'confirmed with the bank' }).expect(200);
    expect(resolved.body).toMatchObject({ status: 'resolved', disposition: 'fraud', assignee: analyst.id, overdue: false });
    expect(resolved.body.events.map((e: { action: string; apiKeyId: string | null; note: string | null }) => [e.action, e.apiKeyId, e.note])).toEqual([
      ['opened', null, null],
      ['claimed', analyst.id, null],
      ['noted', analyst.id, 'SIM bought last week, customer unreachable'],
      ['resolved', analyst.id, 'confirmed with the bank'],
    ]);
    expect(await labelOf(review.id)).toBe('fraud');

    // Resolved is final: no second resolution, no claim; a note is still welcome.
    const again = await as(analyst.key).post(`/v1/cases/${id}/resolve`, { disposition: 'legitimate' }).expect(409);
    expect(again.body).toEqual({ status: 409, code: 'CONFLICT', message: `case ${id} cannot be resolved: it is already resolved (fraud)` });
    await as(analyst.key).post(`/v1/cases/${id}/claim`).expect(409);
    await as(analyst.key).post(`/v1/cases/${id}/notes`, { note: 'chargeback received' }).expect(200);
    expect(await labelOf(review.id)).toBe('fraud');
  });

  it('feeds the resolution to backtests: precision and recall count the label', async () => {
    const analyst = await keyWith(['cases:write']);
    const review = await decide('onboarding', LINE.newLine);
    const id = (await caseOf(review.id))!.id;
    const candidateFile = join(dir, 'onboarding.candidate.json');
    writeFileSync(candidateFile, JSON.stringify(starterRule('onboarding.json')));
    const labelledBefore = (await t.app.get(BacktestService).run(candidateFile, {})).labels?.labelled ?? 0;
    await as(analyst.key).post(`/v1/cases/${id}/resolve`, { disposition: 'fraud' }).expect(200);
    const report = await t.app.get(BacktestService).run(candidateFile, {});
    expect(report.labels?.labelled).toBe(labelledBefore + 1);
    expect(report.labels?.before.REVIEW.fraud).toBeGreaterThanOrEqual(1);
    expect(report.labels?.before.REVIEW.precision).toBeGreaterThan(0);
  });

  it('leaves the decision unlabelled when the case is inconclusive', async () => {
    const review = await decide('onboarding', LINE.newLine);
    const id = (await caseOf(review.id))!.id;
    await t.http().post(`/v1/cases/${id}/resolve`).send({ disposition: 'inconclusive' }).expect(200);
    expect(await labelOf(review.id)).toBeNull();
  });

  it("refuses to act on another analyst's claim (409), lets its holder or an admin release it, and lets exactly one of two racing claims win", async () => {
    const alice = await keyWith(['cases:read', 'cases:write']);
    const bob = await keyWith(['cases:read', 'cases:write']);
    const review = await decide('onboarding', LINE.newLine);
    const id = (await caseOf(review.id))!.id;

    const race = await Promise.all([as(alice.key).post(`/v1/cases/${id}/claim`), as(bob.key).post(`/v1/cases/${id}/claim`)]);
    expect(race.map((r) => r.status).sort()).toEqual([200, 409]);
    const [winner, loser] = race[0].status === 200 ? [alice, bob] : [bob, alice];
    const events = (await t.http().get(`/v1/cases/${id}`).expect(200)).body.events;
    expect(events.filter((e: { action: string }) => e.action === 'claimed')).toHaveLength(1);

    const refused = await as(loser.key).post(`/v1/cases/${id}/resolve`, { disposition: 'legitimate' }).expect(409);
    expect(refused.body.message).toBe(`case ${id} is claimed by key ${winner.id}: only that key (or an admin key) may resolve it`);
    await as(loser.key).post(`/v1/cases/${id}/release`).expect(409);
    await as(loser.key).post(`/v1/cases/${id}/claim`).expect(409);

    await as(winner.key).post(`/v1/cases/${id}/release`).expect(200);
    await as(winner.key).post(`/v1/cases/${id}/release`).expect(409); // not claimed any more
    await as(loser.key).post(`/v1/cases/${id}/claim`).expect(200);
    // The admin key (the test app's) may release anyone's claim.
    const released = await t.http().post(`/v1/cases/${id}/release`).send({}).expect(200);
    expect(released.body).toMatchObject({ status: 'open', assignee: null, claimedAt: null });
    expect(await labelOf(review.id)).toBeNull();
  });

  it('shows a case overdue once its SLA passed, and not once resolved', async () => {
    const review = await decide('onboarding', LINE.newLine);
    const id = (await caseOf(review.id))!.id;
    const overdueIds = async () => (await t.http().get('/v1/cases').query({ overdue: 'true', limit: 100 }).expect(200)).body.items.map((c: { id: string }) => c.id);

    t.clock.set(new Date(NOW.getTime() + 24 * HOUR - 1));
    expect(await overdueIds()).not.toContain(id);
    expect((await t.http().get(`/v1/cases/${id}`).expect(200)).body.overdue).toBe(false);

    t.clock.set(new Date(NOW.getTime() + 24 * HOUR));
    expect(await overdueIds()).toContain(id);
    expect((await t.http().get(`/v1/cases/${id}`).expect(200)).body.overdue).toBe(true);
    const notOverdue = (await t.http().get('/v1/cases').query({ overdue: 'false', limit: 100 }).expect(200)).body.items.map((c: { id: string }) => c.id);
    expect(notOverdue).not.toContain(id);
    // Age: opened more than 23 h ago.
    expect((await t.http().get('/v1/cases').query({ olderThanMinutes: 23 * 60, limit: 100 }).expect(200)).body.items.map((c: { id: string }) => c.id)).toContain(id);
    expect((await t.http().get('/v1/cases').query({ olderThanMinutes: 25 * 60, limit: 100 }).expect(200)).body.items.map((c: { id: string }) => c.id)).not.toContain(id);

    await t.http().post(`/v1/cases/${id}/resolve`).send({ disposition: 'legitimate' }).expect(200);
    expect(await overdueIds()).not.toContain(id);
    expect((await t.http().get(`/v1/cases/${id}`).expect(200)).body.overdue).toBe(false);
  });

  it('pages through the queue oldest first', async () => {
    for (let i = 0; i < 3; i++) {
      t.clock.set(new Date(NOW.getTime() + i * 1000));
      await decide('onboarding', LINE.newLine);
    }
    const all: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await t.http().get('/v1/cases').query({ limit: 2, ...(cursor ? { cursor } : {}) }).expect(200);
      expect(page.body.items.length).toBeLessThanOrEqual(2);
      all.push(...page.body.items.map((c: { id: string }) => c.id));
      cursor = page.body.nextCursor ?? undefined;
    } while (cursor);
    expect(all).toEqual([...all].sort());
    expect(new Set(all).size).toBe(all.length);
    expect(all.length).toBe(await t.app.get(PrismaService).client.case.count());
  });

  it('needs cases:read to read and cases:write to act, and hides the cases of use cases a key may not read', async () => {
    const reader = await keyWith(['cases:read']);
    const decisionsOnly = await keyWith(['decisions:read']);
    const p2pOnly = await keyWith(['cases:read', 'cases:write'], ['p2p_recipient']);
    const review = await decide('onboarding', LINE.newLine);
    const id = (await caseOf(review.id))!.id;

    await as(reader.key).get(`/v1/cases/${id}`).expect(200);
    const denied = await as(reader.key).post(`/v1/cases/${id}/claim`).expect(403);
    expect(denied.body).toEqual({ status: 403, code: 'PERMISSION_DENIED', message: 'This API key lacks the scope cases:write.' });
    await as(decisionsOnly.key).get('/v1/cases').expect(403);

    const hidden = await as(p2pOnly.key).get(`/v1/cases/${id}`).expect(404);
    expect(hidden.body).toEqual({ status: 404, code: 'NOT_FOUND', message: `case ${id} not found` });
    await as(p2pOnly.key).post(`/v1/cases/${id}/resolve`, { disposition: 'fraud' }).expect(404);
    expect((await as(p2pOnly.key).get('/v1/cases').expect(200)).body.items.every((c: { useCase: string }) => c.useCase === 'p2p_recipient')).toBe(true);
    await as(p2pOnly.key).get('/v1/cases').query({ useCase: 'onboarding' }).expect(403);
    expect(await labelOf(review.id)).toBeNull();
  });

  it('refuses bad input with a CAMARA error and changes nothing', async () => {
    const review = await decide('onboarding', LINE.newLine);
    const id = (await caseOf(review.id))!.id;
    const bad = await t.http().post(`/v1/cases/${id}/resolve`).send({ disposition: 'maybe' }).expect(400);
    expect(bad.body).toMatchObject({ status: 400, code: 'INVALID_ARGUMENT' });
    await t.http().post(`/v1/cases/${id}/notes`).send({ note: '' }).expect(400);
    await t.http().post(`/v1/cases/${id}/notes`).send({ note: 'x'.repeat(2001) }).expect(400);
    await t.http().post(`/v1/cases/${id}/claim`).send({ assignee: 'someone' }).expect(400);
    await t.http().get('/v1/cases').query({ overdue: 'yes' }).expect(400);
    await t.http().get('/v1/cases').query({ status: 'closed' }).expect(400);
    await t.http().get('/v1/cases').query({ assignee: '../etc' }).expect(400);
    const missing = await t.http().get('/v1/cases/01890000-0000-7000-8000-000000000000').expect(404);
    expect(missing.body.message).toBe('case 01890000-0000-7000-8000-000000000000 not found');
    expect((await t.http().get('/v1/cases/not-a-case').expect(404)).body.message).toBe('case not found');
    const untouched = await t.http().get(`/v1/cases/${id}`).expect(200);
    expect(untouched.body).toMatchObject({ status: 'open', disposition: null });
    expect(untouched.body.events).toHaveLength(1);
  });

  it('writes case events to the webhook outbox with the change, never the note', async () => {
    const sub = await t.app.get(PrismaService).client.webhookSubscription.count();
    expect(sub).toBe(0);
    const created = await t.http().post('/v1/webhooks').send({ url: 'https://hooks.example.com/linetrust', events: ['case.opened', 'case.claimed', 'case.noted', 'case.resolved'] });
    expect(created.status).toBe(201);
    const review = await decide('onboarding', LINE.newLine);
    const id = (await caseOf(review.id))!.id;
    await t.http().post(`/v1/cases/${id}/claim`).send({}).expect(200);
    await t.http().post(`/v1/cases/${id}/notes`).send({ note: 'called +34611000002 back' }).expect(200);
    await t.http().post(`/v1/cases/${id}/resolve`).send({ disposition: 'fraud' }).expect(200);
    const deliveries = await t.app.get(PrismaService).client.webhookDelivery.findMany({ where: { subscriptionId: created.body.id }, orderBy: { id: 'asc' } });
    const bodies = deliveries.map((d) => JSON.parse(d.payload) as { type: string; data: { id: string; status: string; disposition: string | null } });
    expect(bodies.map((b) => [b.type, b.data.id, b.data.status])).toEqual([
      ['case.opened', id, 'open'],
      ['case.claimed', id, 'claimed'],
      ['case.noted', id, 'claimed'],
      ['case.resolved', id, 'resolved'],
    ]);
    expect(bodies[3].data.disposition).toBe('fraud');
    expect(deliveries.map((d) => d.payload).join('\n')).not.toContain('34611000002');
  });
});

describe('review queue settings per use case (e2e)', () => {
  let t: TestApp;
  let rulesDir: string;

  beforeAll(async () => {
    rulesDir = mkdtempSync(join(tmpdir(), 'linetrust-review-rules-'));
    for (const name of ['p2p_recipient.json', 'account_recovery.json']) writeFileSync(join(rulesDir, name), JSON.stringify(starterRule(name)));
    writeFileSync(join(rulesDir, 'onboarding.json'), JSON.stringify({ ...starterRule('onboarding.json'), review: { outcomes: ['CHALLENGE'], slaHours: 2 } }));
    t = await startTestApp({ lines: TEST_LINES, now: NOW, env: { RULES_DIR: rulesDir } });
  });
  afterAll(async () => {
    await t.close();
    rmSync(rulesDir, { recursive: true, force: true });
  });

  it("opens cases for the outcomes the policy names, due after its own SLA, and not for REVIEW when it is not named", async () => {
    const challenge = (await t.http().post('/v1/decisions').send({ useCase: 'onboarding', phoneNumber: LINE.simSwapped5h }).expect(201)).body;
    const review = (await t.http().post('/v1/decisions').send({ useCase: 'onboarding', phoneNumber: LINE.newLine }).expect(201)).body;
    expect([challenge.outcome, review.outcome]).toEqual(['CHALLENGE', 'REVIEW']);
    const cases = await t.app.get(PrismaService).client.case.findMany();
    expect(cases.map((c) => [c.decisionId, c.outcome, c.dueAt.getTime() - c.createdAt.getTime()])).toEqual([[challenge.id, 'CHALLENGE', 2 * 3_600_000]]);
  });
});
