import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Logger } from '@nestjs/common';
import { runPolicyCli } from '../src/cli/policy-cli';
import { SystemClock } from '../src/common/time/clock';
import { validateConfig } from '../src/config/app-config';
import { ActivePolicyRepository } from '../src/policies/active-policy.repository';
import { PolicyChangeFeed } from '../src/policies/policy-change.feed';
import { PolicyRegistry } from '../src/policies/policy.registry';
import { PolicyVersionRepository } from '../src/policies/policy-version.repository';
import { PrismaService } from '../src/prisma/prisma.service';
import { LINE, NOW, TEST_LINES } from './support/lines';
import { starterRule, starterRulesDir } from './support/starter-rules';
import { createTestDatabase, TestDatabase } from './support/test-database';
import { CapturingLogger, startTestApp, TestApp } from './support/test-app';

/**
 * POLICY_SOURCE=database: one active policy per use case for the whole fleet. Two instances
 * share one database; what one publishes or rolls back, the other serves within moments: by
 * NOTIFY on PostgreSQL (its poll is set far beyond the test's bound, so only NOTIFY can make
 * it), by its poll on SQLite.
 */
const onPostgres = /^postgres(ql)?:\/\//.test(process.env.DATABASE_URL ?? '');
const SWITCH_LIMIT_MS = 10_000;
const rulesFile = (name: string) => starterRule<Record<string, any>>(name);

interface Listing {
  source: string;
  items: { id: string; version: string; inSync: boolean; fleet?: { version: string; revision: number; activatedBy: string } }[];
}

async function listing(t: TestApp): Promise<Listing> {
  return (await t.http().get('/v1/policies').expect(200)).body as Listing;
}

/** Polls `t` until it serves `version` of onboarding; resolves to how long that took. */
async function waitForVersion(t: TestApp, version: string, since: number): Promise<number> {
  for (;;) {
    const served = (await listing(t)).items.find((item) => item.id === 'onboarding');
    if (served?.version === version && served.inSync) return Date.now() - since;
    if (Date.now() - since > SWITCH_LIMIT_MS) {
      throw new Error(`the other instance still serves onboarding ${served?.version} (fleet: ${JSON.stringify(served?.fleet)}) ${SWITCH_LIMIT_MS} ms after ${version} was activated`);
    }
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('policies for a fleet: two instances on one database (e2e)', () => {
  let database: TestDatabase;
  let a: TestApp;
  let b: TestApp;
  let seeded: string;
  const decideOnB = async () =>
    (await b.http().post('/v1/decisions').send({ useCase: 'onboarding', phoneNumber: LINE.established }).expect(201)).body as { policy: { version: string } };
  const fleetRows = () => a.app.get(PrismaService).client.activePolicy.findMany({ orderBy: { policyId: 'asc' } });
  const storedVersions = () => a.app.get(PrismaService).client.policyVersion.count();

  beforeAll(async () => {
    database = await createTestDatabase();
    const env = { DATABASE_URL: database.url, POLICY_SOURCE: 'database', POLICY_POLL_MS: onPostgres ? '600000' : '50' };
    // Started together on an empty database: both store and seed the same versions.
    [a, b] = await Promise.all([startTestApp({ lines: TEST_LINES, now: NOW, env }), startTestApp({ lines: TEST_LINES, now: NOW, env })]);
  });
  afterAll(async () => {
    await b?.close();
    await a?.close();
    await database.drop();
  });

  it('seeds each use case once from RULES_DIR, and both instances serve the seeded versions', async () => {
    const rows = await fleetRows();
    expect(rows.map((row) => [row.policyId, row.revision, row.activatedBy])).toEqual([
      ['account_recovery', 1, 'seed'],
      ['onboarding', 1, 'seed'],
      ['p2p_recipient', 1, 'seed'],
    ]);
    const [onA, onB] = [await listing(a), await listing(b)];
    expect(onA.source).toBe('database');
    for (const served of [onA, onB]) {
      expect(served.items.map((item) => [item.id, item.version, item.inSync, item.fleet?.revision])).toEqual(rows.map((row) => [row.policyId, row.version, true, 1]));
    }
    seeded = rows.find((row) => row.policyId === 'onboarding')!.version;
  });

  it('serves a version published through A on B within moments, and B decides with it', async () => {
    const policy = { ...rulesFile('onboarding.json'), description: 'Onboarding, published to the fleet' };
    const started = Date.now();
    const published = (await a.http().post('/v1/policies/onboarding/versions').send({ policy, cases: rulesFile('onboarding.cases.json') }).expect(201)).body;
    expect(published).toEqual({ policyId: 'onboarding', version: expect.stringMatching(/^[0-9a-f]{16}$/), revision: 2 });
    const answered = Date.now();
    expect(published.version).not.toBe(seeded);
    // A serves it before it answers.
    expect((await listing(a)).items.find((item) => item.id === 'onboarding')?.version).toBe(published.version);

    const elapsed = await waitForVersion(b, published.version, started);
    process.stderr.write(
      `policy-fleet: B served the published version ${elapsed} ms after the publish request was sent, ${started + elapsed - answered} ms after A answered it ` +
        `(${onPostgres ? 'PostgreSQL, by NOTIFY: the poll is off' : 'SQLite, poll every 50 ms'})\n`,
    );
    const onB = (await listing(b)).items.find((item) => item.id === 'onboarding');
    expect(onB?.fleet).toMatchObject({ version: published.version, revision: 2, activatedBy: `key:${a.key.split('_')[1]}` });
    expect((await decideOnB()).policy.version).toBe(published.version);
  });

  it('rolls back to the seeded version with one call, on both instances', async () => {
    const started = Date.now();
    const rolledBack = (await a.http().post('/v1/policies/onboarding/active').send({ version: seeded }).expect(200)).body;
    expect(rolledBack).toEqual({ policyId: 'onboarding', version: seeded, revision: 3 });
    await waitForVersion(b, seeded, started);
    expect((await decideOnB()).policy.version).toBe(seeded);
  });

  it.each([
    ['an invalid policy', { policy: { ...rulesFile('onboarding.json'), rules: [{ ...rulesFile('onboarding.json').rules[0], event: { type: 'MAYBE' } }] } }, /\$\.rules\[0\]\.event\.type/],
    [
      'a failing case',
      (() => {
        const cases = rulesFile('onboarding.cases.json');
        cases.cases[0].expect = { outcome: 'BLOCK' };
        return { policy: { ...rulesFile('onboarding.json'), description: 'never published' }, cases };
      })(),
      /cases\[0\] "a line held for 10 days, prepaid, is reviewed": outcome REVIEW, expected BLOCK/,
    ],
  ])('refuses %s with a CAMARA 400 and changes nothing', async (_what, body, problem) => {
    const [rowsBefore, versionsBefore] = [await fleetRows(), await storedVersions()];
    const refused = await a.http().post('/v1/policies/onboarding/versions').send(body).expect(400);
    expect(refused.body).toEqual({ status: 400, code: 'INVALID_ARGUMENT', message: expect.stringMatching(problem) });
    expect(await fleetRows()).toEqual(rowsBefore);
    expect(await storedVersions()).toBe(versionsBefore);
    for (const t of [a, b]) expect((await listing(t)).items.find((item) => item.id === 'onboarding')?.version).toBe(seeded);
  });

  it('answers 404 for a version never stored, and changes nothing', async () => {
    const rowsBefore = await fleetRows();
    const missing = await a.http().post('/v1/policies/onboarding/active').send({ version: '0123456789abcdef' }).expect(404);
    expect(missing.body).toEqual({ status: 404, code: 'NOT_FOUND', message: 'policy onboarding has no stored version 0123456789abcdef' });
    expect(await fleetRows()).toEqual(rowsBefore);
  });

  it('reports the fleet versions in /health/ready', async () => {
    const ready = await b.http().get('/health/ready').expect(200);
    expect(ready.body.details.policies).toMatchObject({ status: 'up', fleet: { onboarding: { running: seeded, active: seeded, revision: 3 } } });
  });

  describe('from the command line (npm run policy -- publish | activate)', () => {
    let dir: string;
    const saved = process.env.DATABASE_URL;
    beforeAll(() => {
      dir = mkdtempSync(join(tmpdir(), 'linetrust-publish-'));
      process.env.DATABASE_URL = database.url;
    });
    afterAll(() => {
      process.env.DATABASE_URL = saved;
      rmSync(dir, { recursive: true, force: true });
    });
    async function cli(...argv: string[]): Promise<{ code: number; out: string }> {
      const lines: string[] = [];
      const code = await runPolicyCli(argv, { line: (text) => lines.push(text), error: (text) => lines.push(text), colour: false });
      return { code, out: lines.join('\n') };
    }

    it('publishes a file after its cases pass, refuses one whose case fails, and rolls back', async () => {
      const file = join(dir, 'onboarding.json');
      writeFileSync(file, `${JSON.stringify({ ...rulesFile('onboarding.json'), description: 'from the CLI' }, null, 2)}\n`);
      const cases = rulesFile('onboarding.cases.json');
      writeFileSync(join(dir, 'onboarding.cases.json'), JSON.stringify(cases));

      const started = Date.now();
      const published = await cli('publish', file);
      expect(published).toEqual({ code: 0, out: expect.stringMatching(/published onboarding version [0-9a-f]{16}: active for the fleet \(revision 4\)/) });
      const version = /version ([0-9a-f]{16})/.exec(published.out)![1];
      await waitForVersion(b, version, started);
      expect((await listing(b)).items.find((item) => item.id === 'onboarding')?.fleet).toMatchObject({ version, revision: 4, activatedBy: 'cli' });

      cases.cases[0].expect = { outcome: 'ALLOW' };
      writeFileSync(join(dir, 'onboarding.cases.json'), JSON.stringify(cases));
      writeFileSync(file, `${JSON.stringify({ ...rulesFile('onboarding.json'), description: 'never published' }, null, 2)}\n`);
      const rowsBefore = await fleetRows();
      const refused = await cli('publish', file);
      expect(refused).toEqual({ code: 1, out: expect.stringContaining(`cases[0] "${cases.cases[0].name}": outcome REVIEW, expected ALLOW`) });
      expect(await fleetRows()).toEqual(rowsBefore);

      expect(await cli('activate', 'onboarding', seeded)).toEqual({ code: 0, out: `activated onboarding version ${seeded} for the fleet (revision 5)` });
      await waitForVersion(b, seeded, Date.now());
      expect(await cli('activate', 'onboarding', '0123456789abcdef')).toEqual({ code: 1, out: 'policy onboarding has no stored version 0123456789abcdef' });
    });
  });
});

describe('POLICY_SOURCE=files refuses publishing (e2e)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ lines: TEST_LINES, now: NOW, env: { POLICY_RELOAD: 'false' } });
  });
  afterAll(() => t.close());

  it('answers 409 and keeps GET /v1/policies as before, inSync', async () => {
    const refused = await t.http().post('/v1/policies/onboarding/versions').send({ policy: rulesFile('onboarding.json') }).expect(409);
    expect(refused.body).toMatchObject({ status: 409, code: 'CONFLICT' });
    const body = (await listing(t));
    expect(body.source).toBe('files');
    expect(body.items.every((item) => item.inSync && item.fleet === undefined)).toBe(true);
  });
});

describe('instances starting together on an empty database (e2e)', () => {
  beforeAll(() => Logger.overrideLogger(new CapturingLogger()));

  /** What an instance does at start-up in database mode: migrate, store, seed, read back. */
  async function startRegistry(url: string) {
    const config = validateConfig({ DATABASE_URL: url, POLICY_SOURCE: 'database', POLICY_POLL_MS: '600000', RULES_DIR: starterRulesDir() });
    const prisma = new PrismaService(config);
    const feed = new PolicyChangeFeed(config);
    const registry = new PolicyRegistry(config, new PolicyVersionRepository(prisma), new ActivePolicyRepository(prisma), feed, new SystemClock());
    const stop = async () => {
      registry.onModuleDestroy();
      await feed.onModuleDestroy();
      await prisma.onModuleDestroy();
    };
    try {
      await prisma.onModuleInit();
      await registry.onModuleInit();
    } catch (error) {
      await stop();
      throw error;
    }
    return { prisma, registry, stop };
  }

  it('comes up on both, 10 times in a row, agreeing on one active version per use case', async () => {
    for (let round = 0; round < 10; round++) {
      const database = await createTestDatabase();
      try {
        const started = await Promise.allSettled([startRegistry(database.url), startRegistry(database.url)]);
        const up = started.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []));
        try {
          expect({ round, failures: started.filter((result) => result.status === 'rejected').map((result) => String((result as PromiseRejectedResult).reason)) }).toEqual({ round, failures: [] });
          const rows = await up[0].prisma.client.activePolicy.findMany({ orderBy: { policyId: 'asc' } });
          expect(rows.map((row) => row.revision)).toEqual([1, 1, 1]);
          for (const instance of up) expect(instance.registry.list().map((policy) => policy.version).sort()).toEqual(rows.map((row) => row.version).sort());
        } finally {
          for (const instance of up) await instance.stop();
        }
      } finally {
        await database.drop();
      }
    }
  });
});
