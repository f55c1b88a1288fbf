import request from 'supertest';
import { runKeysCli } from '../src/cli/keys-cli';
import { PrismaService } from '../src/prisma/prisma.service';
import { LINE, NOW, TEST_LINES } from './support/lines';
import { starterRulesDir } from './support/starter-rules';
import { startTestApp, TestApp } from './support/test-app';

describe('Refusals: the Bearer scheme, keys for unknown use cases, and no internals in errors (e2e)', () => {
  let t: TestApp;
  const body = { useCase: 'onboarding', phoneNumber: LINE.established };

  beforeAll(async () => {
    t = await startTestApp({ lines: TEST_LINES, now: NOW });
  });
  afterAll(async () => {
    await t.close();
  });

  it.each(['bearer', 'BEARER', 'bEaReR'])('accepts the scheme written %s (RFC 7235: case-insensitive)', async (scheme) => {
    const response = await request(t.app.getHttpServer()).post('/v1/decisions').set('authorization', `${scheme} ${t.key}`).send(body).expect(201);
    expect(response.body.useCase).toBe('onboarding');
  });

  it.each([
    ['another scheme', () => `Basic ${t.key}`],
    ['no space', () => `Bearer${t.key}`],
    ['the scheme alone', () => 'bearer'],
  ])('still refuses %s: 401', async (_case, header) => {
    const response = await request(t.app.getHttpServer()).post('/v1/decisions').set('authorization', header()).send(body).expect(401);
    expect(response.body).toEqual({ status: 401, code: 'UNAUTHENTICATED', message: 'A valid API key is required: Authorization: Bearer <key>.' });
  });

  it('refuses a key for a use case that has no policy, naming it, over the API and on the command line', async () => {
    const keys = () => t.app.get(PrismaService).client.apiKey.count();
    const before = await keys();
    const refused = await t.http().post('/v1/keys').send({ label: 'typo', scopes: ['decisions:write'], useCases: ['onboarding', 'onbording'] }).expect(400);
    expect(refused.body).toEqual({ status: 400, code: 'INVALID_ARGUMENT', message: expect.stringContaining('no policy for onbording') });
    expect(refused.body.message).not.toContain('no policy for onboarding');

    const lines: string[] = [];
    const out = { line: (text: string) => lines.push(text), error: (text: string) => lines.push(text) };
    const env = { DATABASE_URL: t.database.url, NODE_ENV: 'test', RULES_DIR: starterRulesDir() };
    expect(await runKeysCli(['create', '--label', 'x', '--scopes', 'decisions:read', '--use-cases', 'p2p_recipient,nope'], out, env)).toBe(1);
    expect(lines.join('\n')).toContain('no policy for nope');
    expect(await keys()).toBe(before);

    // The known ones still work.
    await t.http().post('/v1/keys').send({ label: 'ok', scopes: ['decisions:write'], useCases: ['onboarding', 'p2p_recipient'] }).expect(201);
  });

  it('answers a database failure 500 INTERNAL without Prisma, SQL or server paths', async () => {
    const prisma = t.app.get(PrismaService).client;
    // The table disappears under the running service (a failed migration, an operator's mistake).
    await prisma.$executeRawUnsafe('ALTER TABLE "Decision" RENAME TO "DecisionMoved"');
    try {
      const answers = [await t.http().post('/v1/decisions').send(body), await t.http().get('/v1/decisions')];
      for (const answer of answers) {
        expect(answer.status).toBe(500);
        expect(answer.body).toEqual({ status: 500, code: 'INTERNAL', message: 'Internal server error.' });
        expect(answer.text).not.toMatch(/prisma|invocation|\/work\/|node_modules|Decision|SELECT|INSERT/i);
      }
    } finally {
      await prisma.$executeRawUnsafe('ALTER TABLE "DecisionMoved" RENAME TO "Decision"');
    }
    await t.http().post('/v1/decisions').send(body).expect(201);
  });
});
