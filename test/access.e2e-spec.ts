import request from 'supertest';
import { ApiKeyService } from '../src/auth/api-key.service';
import { Scope } from '../src/auth/scopes';
import { routesOf } from '../src/common/http/route-table';
import { runKeysCli } from '../src/cli/keys-cli';
import { LINE, NOW, TEST_LINES } from './support/lines';
import { starterRulesDir } from './support/starter-rules';
import { startTestApp, TestApp } from './support/test-app';

const UNAUTHENTICATED = { status: 401, code: 'UNAUTHENTICATED', message: 'A valid API key is required: Authorization: Bearer <key>.' };

/** Routes anyone may call: probes, the scrape, the explorer's static page and `/` (to it). Exact: a new route is protected or listed here. */
const PUBLIC_ROUTES = ['GET /', 'GET /health/live', 'GET /health/ready', 'GET /metrics', 'GET /explorer', 'GET /explorer/*'];
/** Swagger UI's routes (not Nest controllers): the document and its static assets. */
const isApiDocument = (url: string) => url === '/docs' || url.startsWith('/docs/');

describe('access control (e2e)', () => {
  let t: TestApp;
  const keyWith = async (scopes: Scope[], extra: { useCases?: string[]; rateLimitPerSecond?: number } = {}) =>
    (await t.app.get(ApiKeyService).create({ label: `test ${scopes.join('+')}`, scopes, ...extra })).key;
  const as = (key: string) => request.agent(t.app.getHttpServer()).set('authorization', `Bearer ${key}`);

  beforeAll(async () => {
    t = await startTestApp({ lines: TEST_LINES, now: NOW });
  });
  afterAll(async () => {
    await t.close();
  });

  it('refuses every non-public route without a key, in the CAMARA shape, before doing anything', async () => {
    const all = routesOf(t.app.getHttpAdapter().getInstance()).filter((r) => !isApiDocument(r.url));
    const routes = all.filter((r) => !PUBLIC_ROUTES.includes(`${r.method} ${r.url}`));
    expect(all.length - routes.length).toBe(PUBLIC_ROUTES.length);
    expect(routes.length).toBeGreaterThanOrEqual(15);
    for (const route of routes) {
      const url = route.url.replace(/:[a-zA-Z]+/g, '01890000-0000-7000-8000-000000000000');
      const response = await request(t.app.getHttpServer())[route.method.toLowerCase() as 'get'](url).send(route.method === 'GET' || route.method === 'DELETE' ? undefined : {});
      expect({ route: `${route.method} ${route.url}`, status: response.status, body: response.body }).toEqual({
        route: `${route.method} ${route.url}`,
        status: 401,
        body: UNAUTHENTICATED,
      });
    }
  });

  it.each([
    ['no scheme', (key: string) => key],
    ['Basic', (key: string) => `Basic ${key}`],
    ['garbage', () => 'Bearer not-a-key'],
    ['unknown id', () => `Bearer lt_0123456789abcdef_${'A'.repeat(43)}`],
    ['wrong secret', (key: string) => `Bearer ${key.slice(0, -4)}AAAA`],
  ])('answers a key given as %s with the same 401 as no key', async (_name, header) => {
    const response = await request(t.app.getHttpServer()).get('/v1/policies').set('authorization', header(t.key)).expect(401);
    expect(response.body).toEqual(UNAUTHENTICATED);
  });

  it('gives each scope its routes and 403 PERMISSION_DENIED elsewhere', async () => {
    const writer = await keyWith(['decisions:write']);
    const reader = await keyWith(['decisions:read']);
    const policies = await keyWith(['policies:read']);
    const created = await as(writer).post('/v1/decisions').send({ useCase: 'onboarding', phoneNumber: LINE.established }).expect(201);
    const denied = await as(writer).get(`/v1/decisions/${created.body.id}`).expect(403);
    expect(denied.body).toEqual({ status: 403, code: 'PERMISSION_DENIED', message: 'This API key lacks the scope decisions:read.' });
    await as(writer).get('/v1/policies').expect(403);

    await as(reader).get(`/v1/decisions/${created.body.id}`).expect(200);
    await as(reader).get('/v1/decisions').expect(200);
    await as(reader).post('/v1/decisions').send({ useCase: 'onboarding', phoneNumber: LINE.established }).expect(403);
    await as(reader).post(`/v1/decisions/${created.body.id}/feedback`).send({ label: 'fraud' }).expect(403);

    await as(policies).get('/v1/policies').expect(200);
    await as(policies).get('/v1/policies/onboarding').expect(200);
    await as(policies).get('/v1/decisions').expect(403);

    // admin only: key management, signal status (feedback needs cases:write, an analyst's scope)
    for (const key of [writer, reader, policies]) {
      await as(key).get('/v1/keys').expect(403);
      await as(key).post('/v1/keys').send({ label: 'x', scopes: ['admin'] }).expect(403);
      await as(key).get('/v1/signals').expect(403);
    }
    await t.http().post(`/v1/decisions/${created.body.id}/feedback`).send({ label: 'legitimate' }).expect(200);
  });

  it('keeps a key limited to some use cases inside them', async () => {
    const p2p = await keyWith(['decisions:write', 'decisions:read', 'policies:read'], { useCases: ['p2p_recipient'] });
    const onboarding = await t.http().post('/v1/decisions').send({ useCase: 'onboarding', phoneNumber: LINE.newLine }).expect(201);
    const refused = await as(p2p).post('/v1/decisions').send({ useCase: 'onboarding', phoneNumber: LINE.newLine }).expect(403);
    expect(refused.body).toMatchObject({ code: 'PERMISSION_DENIED', message: 'This API key may not use the use case "onboarding".' });
    const own = await as(p2p).post('/v1/decisions').send({ useCase: 'p2p_recipient', phoneNumber: LINE.newLine, context: { amount: 2000, currency: 'EUR' } }).expect(201);

    // Another use case's decision does not exist for this key.
    await as(p2p).get(`/v1/decisions/${onboarding.body.id}`).expect(404);
    await as(p2p).get(`/v1/decisions/${own.body.id}`).expect(200);
    const listed = (await as(p2p).get('/v1/decisions?limit=100').expect(200)).body.items as { useCase: string }[];
    expect(listed.length).toBeGreaterThan(0);
    expect(new Set(listed.map((d) => d.useCase))).toEqual(new Set(['p2p_recipient']));
    await as(p2p).get('/v1/decisions?useCase=onboarding').expect(403);

    expect((await as(p2p).get('/v1/policies').expect(200)).body.items.map((p: { id: string }) => p.id)).toEqual(['p2p_recipient']);
    await as(p2p).get('/v1/policies/onboarding').expect(403);
    await as(p2p).get('/v1/policies/onboarding/shadow').expect(403);
    // A path parameter is echoed only when it could be a policy id.
    const odd = await as(p2p).get(`/v1/policies/${encodeURIComponent('+34600000001')}`).expect(403);
    expect(odd.body.message).toBe('This API key may not use the use case.');
  });

  it('refuses an admin key limited to use cases: it could create itself an unlimited one', async () => {
    const refused = await t.http().post('/v1/keys').send({ label: 'limited admin', scopes: ['admin'], useCases: ['p2p_recipient'] }).expect(400);
    expect(refused.body.message).toBe('an admin key cannot be limited to use cases (it manages keys for all of them)');
    await expect(t.app.get(ApiKeyService).create({ label: 'x', scopes: ['admin', 'decisions:read'], useCases: ['onboarding'] })).rejects.toThrow(/admin key cannot be limited/);
  });

  it('shows a new key once, lists keys without secrets, and a revoked key is refused like an unknown one', async () => {
    const created = await t.http().post('/v1/keys').send({ label: 'payments', scopes: ['decisions:write'], useCases: ['p2p_recipient'] }).expect(201);
    expect(created.body.key).toMatch(/^lt_[0-9a-f]{16}_[A-Za-z0-9_-]{43}$/);
    expect(created.body).toMatchObject({ label: 'payments', scopes: ['decisions:write'], useCases: ['p2p_recipient'], revokedAt: null });

    const listing = await t.http().get('/v1/keys').expect(200);
    const text = JSON.stringify(listing.body);
    expect(text).toContain(created.body.id);
    expect(text).not.toContain(created.body.key.slice(20));
    expect(text).not.toMatch(/secretHash|"key"/);

    await as(created.body.key).post('/v1/decisions').send({ useCase: 'p2p_recipient', phoneNumber: LINE.established, context: { amount: 500, currency: 'EUR' } }).expect(201);
    const revoked = await t.http().delete(`/v1/keys/${created.body.id}`).expect(200);
    expect(revoked.body.revokedAt).toBe(NOW.toISOString());
    const after = await as(created.body.key).post('/v1/decisions').send({ useCase: 'p2p_recipient', phoneNumber: LINE.established }).expect(401);
    expect(after.body).toEqual(UNAUTHENTICATED);
    await t.http().delete(`/v1/keys/${created.body.id}`).expect(404);
    await t.http().delete('/v1/keys/not-a-key-id').expect(404);
    await t.http().post('/v1/keys').send({ label: 'x', scopes: ['everything'] }).expect(400);
    await t.http().post('/v1/keys').send({ label: 'x', scopes: [] }).expect(400);
  });

  it('creates the first admin key from the command line, usable at once', async () => {
    const lines: string[] = [];
    const out = { line: (l: string) => lines.push(l), error: (l: string) => lines.push(l) };
    const env = { DATABASE_URL: t.database.url, NODE_ENV: 'test', RULES_DIR: starterRulesDir() };
    expect(await runKeysCli(['create', '--label', 'ops', '--scopes', 'admin'], out, env)).toBe(0);
    const key = lines.join('\n').match(/lt_[0-9a-f]{16}_[A-Za-z0-9_-]{43}/)?.[0] as string;
    expect(key).toBeDefined();
    await as(key).get('/v1/keys').expect(200);

    lines.length = 0;
    expect(await runKeysCli(['list'], out, env)).toBe(0);
    expect(lines.join('\n')).toContain('ops');
    expect(lines.join('\n')).not.toContain(key.slice(20));
    expect(await runKeysCli(['create', '--label', 'x', '--scopes', 'root'], out, env)).toBe(64);
    expect(await runKeysCli(['rotate'], out, env)).toBe(64);
    lines.length = 0;
    expect(await runKeysCli(['create', '--label', 'x', '--scopes', 'decisions:read', '--use-cases', 'Bad-Id'], out, env)).toBe(1);
    expect(lines.join('\n')).toContain('useCases must be policy ids');
  });
});

describe('rate limits (e2e)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({ lines: TEST_LINES, now: NOW, env: { RATE_LIMIT_PER_SECOND: '2', RATE_LIMIT_BURST_SECONDS: '1' } });
  });
  afterAll(async () => {
    await t.close();
  });

  it('answers 429 TOO_MANY_REQUESTS with Retry-After once a key spends its budget, per key', async () => {
    await t.http().get('/v1/policies').expect(200);
    await t.http().get('/v1/policies').expect(200);
    const limited = await t.http().get('/v1/policies').expect(429);
    expect(limited.headers['retry-after']).toBe('1');
    expect(limited.body).toEqual({ status: 429, code: 'TOO_MANY_REQUESTS', message: 'Rate limit of this API key exceeded; retry later.' });

    // Another key has its own budget, and a key can have its own rate.
    const other = (await t.app.get(ApiKeyService).create({ label: 'fast', scopes: ['policies:read'], rateLimitPerSecond: 5 })).key;
    for (let i = 0; i < 5; i += 1) await request(t.app.getHttpServer()).get('/v1/policies').set('authorization', `Bearer ${other}`).expect(200);

    // Tokens come back with time (the service clock).
    t.clock.set(new Date(NOW.getTime() + 1000));
    await t.http().get('/v1/policies').expect(200);
  });
});
