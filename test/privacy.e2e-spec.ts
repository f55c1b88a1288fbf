import { createHmac } from 'node:crypto';
import { ApiKeyService } from '../src/auth/api-key.service';
import { runPrivacyCli } from '../src/cli/privacy-cli';
import { FixedClock } from '../src/common/time/clock';
import { AppConfig } from '../src/config/app-config';
import { PrismaService } from '../src/prisma/prisma.service';
import { PrivacyService } from '../src/privacy/privacy.service';
import { RetentionJob } from '../src/privacy/retention.job';
import { LINE, NOW, TEST_LINES } from './support/lines';
import { CapturingLogger, startTestApp, TestApp } from './support/test-app';

const DAY = 86_400_000;
const HOUR = 3_600_000;
const ago = (ms: number) => new Date(NOW.getTime() - ms);

/**
 * Retention and erasure on a real database (SQLite, or PostgreSQL with DATABASE_URL): what
 * goes, what stays readable, and the counts reported. Batches of 2 make every run take
 * several batches.
 */
describe('privacy: retention purge and erasure', () => {
  let t: TestApp;
  let logger: CapturingLogger;

  beforeEach(async () => {
    logger = new CapturingLogger();
    t = await startTestApp({ lines: TEST_LINES, now: NOW, logger, env: { RETENTION_DAYS: '30', RETENTION_BATCH_SIZE: '2', IDEMPOTENCY_TTL_HOURS: '24' } });
  });
  afterEach(async () => {
    await t.close();
  });

  /** A decision made at `at` (the clock is set back to NOW afterwards); returns its id. */
  async function decide(at: Date, phoneNumber: string, subjectId?: string): Promise<string> {
    t.clock.set(at);
    try {
      const response = await t.http().post('/v1/decisions').send({ useCase: 'onboarding', phoneNumber, subjectId }).expect(201);
      return (response.body as { id: string }).id;
    } finally {
      t.clock.set(NOW);
    }
  }

  /** An Idempotency-Key record as the decisions API leaves it. */
  async function idempotencyRecord(key: string, decisionId: string | null, createdAt: Date): Promise<void> {
    const apiKeyId = t.key.split('_')[1];
    await t.app.get(PrismaService).client.idempotencyRecord.create({ data: { apiKeyId, key, requestHash: 'h'.repeat(64), decisionId, createdAt } });
  }

  const idempotencyKeys = async () =>
    (await t.app.get(PrismaService).client.idempotencyRecord.findMany({ orderBy: { key: 'asc' } })).map((row) => row.key);
  const status = async (id: string) => (await t.http().get(`/v1/decisions/${id}`)).status;
  const statuses = (ids: string[]) => Promise.all(ids.map(status));

  describe('purge', () => {
    it('removes exactly the decisions older than RETENTION_DAYS and their idempotency records, and reports the counts', async () => {
      const old = [await decide(ago(400 * DAY), LINE.established), await decide(ago(31 * DAY), LINE.newLine), await decide(ago(30 * DAY + 1), LINE.established)];
      const kept = [await decide(ago(30 * DAY), LINE.established), await decide(ago(29 * DAY), LINE.newLine), await decide(NOW, LINE.established)];
      await idempotencyRecord('points-at-purged', old[1], ago(HOUR));
      await idempotencyRecord('expired', kept[2], ago(25 * HOUR));
      await idempotencyRecord('live', kept[2], ago(HOUR));
      await idempotencyRecord('pending', null, ago(HOUR));

      const report = await t.app.get(PrivacyService).purge();

      expect(report).toEqual({ decisions: 3, idempotencyKeys: 2, cutoff: ago(30 * DAY) });
      expect(await statuses(old)).toEqual([404, 404, 404]);
      expect(await statuses(kept)).toEqual([200, 200, 200]);
      const listed = await t.http().get('/v1/decisions?limit=100').expect(200);
      expect((listed.body.items as { id: string }[]).map((item) => item.id)).toEqual([...kept].reverse());
      expect(await idempotencyKeys()).toEqual(['live', 'pending']);
      expect(await t.app.get(PrivacyService).purge()).toEqual({ decisions: 0, idempotencyKeys: 0, cutoff: ago(30 * DAY) });
    });

    it('the scheduled job purges with the service clock and logs what it removed, without numbers', async () => {
      await decide(ago(90 * DAY), LINE.established);
      await decide(ago(60 * DAY), LINE.newLine);
      const recent = await decide(ago(DAY), LINE.established);
      await t.app.get(RetentionJob).runOnce();
      expect(logger.lines).toContainEqual(
        expect.stringContaining(`retention purge: removed 2 decisions and 0 idempotency keys (decisions made before ${ago(30 * DAY).toISOString()})`),
      );
      expect(await status(recent)).toBe(200);
      expect(logger.lines.join('\n')).not.toContain(LINE.established);
    });
  });

  describe('POST /v1/erasures', () => {
    it('by phone number: removes every decision of that number and their idempotency records, only those', async () => {
      const gone = [await decide(ago(200 * DAY), LINE.established), await decide(ago(DAY), LINE.established, 'customer-1'), await decide(NOW, LINE.established, 'customer-2')];
      const other = await decide(NOW, LINE.newLine, 'customer-1');
      await idempotencyRecord('of-erased', gone[2], ago(HOUR));
      await idempotencyRecord('of-other', other, ago(HOUR));

      const response = await t.http().post('/v1/erasures').send({ phoneNumber: LINE.established }).expect(200);

      expect(response.body).toEqual({ erased: { decisions: 3, idempotencyKeys: 1 } });
      expect(await statuses(gone)).toEqual([404, 404, 404]);
      expect(await status(other)).toBe(200);
      const found = await t.http().get('/v1/decisions').query({ phoneNumber: LINE.established }).expect(200);
      expect(found.body.items).toEqual([]);
      expect(await idempotencyKeys()).toEqual(['of-other']);
      const keyId = t.key.split('_')[1];
      expect(logger.lines).toContainEqual(expect.stringContaining(`erasure by API key ${keyId}: phone number +34******001: removed 3 decisions and 1 idempotency key`));
      expect(logger.lines.join('\n')).not.toContain(LINE.established);
      // The operator's cached answers about the number went too: the next decision asks again.
      const after = await t.http().post('/v1/decisions').send({ useCase: 'onboarding', phoneNumber: LINE.established }).expect(201);
      expect(after.body.signals.length).toBeGreaterThan(0);
      expect(after.body.signals.filter((s: { cached: boolean }) => s.cached)).toEqual([]);
      await t.http().post('/v1/erasures').send({ phoneNumber: LINE.established }).expect(200);
      // Nothing is left to erase: asking again is not an error.
      expect((await t.http().post('/v1/erasures').send({ phoneNumber: LINE.established }).expect(200)).body).toEqual({ erased: { decisions: 0, idempotencyKeys: 0 } });
    });

    it("by phone number: removes the review cases of the erased decisions and their audit trail, and only those", async () => {
      const prisma = t.app.get(PrismaService).client;
      // newLine is REVIEW on onboarding: each decision opens a case; established opens none.
      const erased = [await decide(ago(DAY), LINE.newLine), await decide(NOW, LINE.newLine)];
      const kept = await decide(NOW, LINE.newLine, 'customer-9');
      await prisma.decision.update({ where: { id: kept }, data: { phoneNumberHash: 'f'.repeat(64) } }); // another number's decision
      const caseOf = async (id: string) => prisma.case.findUnique({ where: { decisionId: id } });
      const keptCase = (await caseOf(kept))!;
      await t.http().post(`/v1/cases/${keptCase.id}/notes`).send({ note: 'kept' }).expect(200);
      expect(await Promise.all(erased.map(caseOf))).toEqual([expect.anything(), expect.anything()]);

      await t.http().post('/v1/erasures').send({ phoneNumber: LINE.newLine }).expect(200);

      expect(await Promise.all(erased.map(caseOf))).toEqual([null, null]);
      expect(await prisma.case.count()).toBe(1);
      expect((await prisma.caseEvent.findMany()).map((e) => [e.caseId, e.action])).toEqual([
        [keptCase.id, 'opened'],
        [keptCase.id, 'noted'],
      ]);
    });

    it('by subjectId: removes every decision given that subjectId, whatever the number, only those', async () => {
      const gone = [await decide(ago(2 * DAY), LINE.established, 'customer-1'), await decide(NOW, LINE.newLine, 'customer-1')];
      const kept = [await decide(NOW, LINE.established, 'customer-2'), await decide(NOW, LINE.established)];
      await idempotencyRecord('of-erased', gone[1], ago(HOUR));

      const response = await t.http().post('/v1/erasures').send({ subjectId: 'customer-1' }).expect(200);

      expect(response.body).toEqual({ erased: { decisions: 2, idempotencyKeys: 1 } });
      expect(await statuses(gone)).toEqual([404, 404]);
      expect(await statuses(kept)).toEqual([200, 200]);
      // The audit line names the subject by a keyed hash prefix: it must not keep the id it erased.
      const tag = createHmac('sha256', t.app.get(AppConfig).hashKey).update('customer-1').digest('hex').slice(0, 12);
      const keyId = t.key.split('_')[1];
      expect(logger.lines).toContainEqual(expect.stringContaining(`erasure by API key ${keyId}: subjectId#${tag}: removed 2 decisions and 1 idempotency key`));
      expect(logger.lines.join('\n')).not.toContain('customer-1');
    });

    it.each([
      ['neither field', {}, 'give exactly one of phoneNumber or subjectId'],
      ['both fields', { phoneNumber: LINE.established, subjectId: 'customer-1' }, 'give exactly one of phoneNumber or subjectId'],
      ['a malformed number', { phoneNumber: '0034611000001' }, 'phoneNumber must be E.164'],
      ['a null subjectId', { subjectId: null }, 'subjectId'],
      ['an unknown field', { phoneNumber: LINE.established, useCase: 'onboarding' }, 'useCase'],
    ])('400 INVALID_ARGUMENT for %s, and nothing is erased', async (_name, body, message) => {
      const id = await decide(NOW, LINE.established, 'customer-1');
      const response = await t.http().post('/v1/erasures').send(body).expect(400);
      expect(response.body).toEqual({ status: 400, code: 'INVALID_ARGUMENT', message: expect.stringContaining(message) });
      expect(await status(id)).toBe(200);
    });

    it('403 PERMISSION_DENIED for a key without the admin scope, and nothing is erased', async () => {
      const id = await decide(NOW, LINE.established);
      const writer = await t.app.get(ApiKeyService).create({ label: 'app', scopes: ['decisions:write', 'decisions:read'] });
      const response = await t.http().post('/v1/erasures').set('authorization', `Bearer ${writer.key}`).send({ phoneNumber: LINE.established }).expect(403);
      expect(response.body).toMatchObject({ status: 403, code: 'PERMISSION_DENIED' });
      expect(await status(id)).toBe(200);
    });
  });

  describe('npm run privacy', () => {
    async function cli(argv: string[], env: Record<string, string> = {}) {
      const lines: string[] = [];
      const code = await runPrivacyCli(
        argv,
        { line: (text) => lines.push(text), error: (text) => lines.push(text) },
        { DATABASE_URL: t.database.url, NODE_ENV: 'test', RETENTION_BATCH_SIZE: '2', ...env },
        new FixedClock(NOW),
      );
      return { code, output: lines.join('\n') };
    }

    it('purge: removes the decisions older than RETENTION_DAYS from the database and says what it removed', async () => {
      const old = [await decide(ago(500 * DAY), LINE.established), await decide(ago(400 * DAY), LINE.newLine), await decide(ago(366 * DAY), LINE.newLine)];
      const kept = [await decide(ago(100 * DAY), LINE.established), await decide(NOW, LINE.established)];
      await idempotencyRecord('expired', kept[1], ago(48 * HOUR));

      const { code, output } = await cli(['purge'], { RETENTION_DAYS: '365' });

      expect(code).toBe(0);
      expect(output).toContain(`purged 3 decisions and 1 idempotency key (decisions made before ${ago(365 * DAY).toISOString()}; idempotency keys older than 24 h)`);
      expect(await statuses(old)).toEqual([404, 404, 404]);
      expect(await statuses(kept)).toEqual([200, 200]);
    });

    it('purge --older-than-days overrides RETENTION_DAYS, also when RETENTION_DAYS=0 keeps decisions forever', async () => {
      const old = await decide(ago(10 * DAY), LINE.established);
      const kept = await decide(ago(6 * DAY), LINE.established);
      expect((await cli(['purge'], { RETENTION_DAYS: '0' })).output).toContain('purged 0 decisions and 0 idempotency keys (decisions none: RETENTION_DAYS=0 keeps them forever');
      expect(await status(old)).toBe(200);
      const { code, output } = await cli(['purge', '--older-than-days', '7'], { RETENTION_DAYS: '0' });
      expect(code).toBe(0);
      expect(output).toContain('purged 1 decision and 0 idempotency keys');
      expect(await statuses([old, kept])).toEqual([404, 200]);
    });

    it('erase: by phone number or subjectId, with the counts', async () => {
      const byNumber = await decide(NOW, LINE.established);
      const bySubject = await decide(NOW, LINE.newLine, 'customer-9');
      const other = await decide(NOW, LINE.newLine);
      expect(await cli(['erase', '--phone-number', LINE.established])).toEqual({ code: 0, output: expect.stringContaining('erased 1 decision and 0 idempotency keys') });
      expect(await cli(['erase', '--subject-id', 'customer-9'])).toEqual({ code: 0, output: expect.stringContaining('erased 1 decision and 0 idempotency keys') });
      expect(await statuses([byNumber, bySubject, other])).toEqual([404, 404, 200]);
    });

    it.each([
      [[]],
      [['purge', '--older-than-days', '0']],
      [['purge', '--older-than-days']],
      [['purge', '--days', '3']],
      [['erase']],
      [['erase', '--phone-number', '611000001']],
      [['erase', '--phone-number', LINE.established, '--subject-id', 'customer-1']],
      [['erase', '--subject-id', 'x'.repeat(129)]],
    ])('64 and the usage for %j, touching nothing', async (argv) => {
      const id = await decide(ago(400 * DAY), LINE.established, 'customer-1');
      const { code, output } = await cli(argv);
      expect(code).toBe(64);
      expect(output).toMatch(/^usage: linetrust privacy (purge|erase|<command>)/m);
      expect(await status(id)).toBe(200);
    });
  });
});
