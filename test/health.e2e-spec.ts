import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { Client } from 'pg';
import request from 'supertest';
import { PolicyRegistry } from '../src/policies/policy.registry';
import { parseDatabaseUrl } from '../src/prisma/database-url';
import { LINE, NOW, TEST_LINES } from './support/lines';
import { deadSimSwapEnv, Sandbox, startSandbox } from './support/sandbox-harness';
import { starterRulesDir } from './support/starter-rules';
import { startTestApp, TestApp } from './support/test-app';

/** No API key: orchestrators probe without one. */
const probe = (t: TestApp, path: string) => request(t.app.getHttpServer()).get(path);

/**
 * Renames the decisions table behind the application's back, through a connection of its own:
 * the database still runs, but cannot serve a decision, which is what readiness is about.
 */
async function renameDecisionTable(url: string, from: string, to: string): Promise<void> {
  const target = parseDatabaseUrl(url);
  if (target.provider === 'sqlite') {
    const db = new Database(target.file);
    try {
      db.exec(`ALTER TABLE "${from}" RENAME TO "${to}"`);
    } finally {
      db.close();
    }
    return;
  }
  const client = new Client({ connectionString: target.connectionString });
  await client.connect();
  try {
    await client.query(`ALTER TABLE "${target.schema}"."${from}" RENAME TO "${to}"`);
  } finally {
    await client.end();
  }
}

describe('health probes (e2e)', () => {
  describe('with the built-in sandbox operator', () => {
    let t: TestApp;
    let rules: string;

    beforeAll(async () => {
      rules = mkdtempSync(join(tmpdir(), 'linetrust-rules-'));
      cpSync(starterRulesDir(), rules, { recursive: true });
      // Reloads are driven by the test (PolicyRegistry.reload), not by the file watcher.
      t = await startTestApp({ lines: TEST_LINES, now: NOW, env: { RULES_DIR: rules, POLICY_RELOAD: 'false' } });
    });
    afterAll(async () => {
      await t.close();
      rmSync(rules, { recursive: true, force: true });
    });

    it('answers live without a key and without looking at any dependency', async () => {
      const response = await probe(t, '/health/live').expect(200);
      expect(response.body).toEqual({ status: 'ok', info: {}, error: {}, details: {} });
    });

    it('answers ready without a key, component by component', async () => {
      const response = await probe(t, '/health/ready').expect(200);
      const versions = Object.fromEntries(t.app.get(PolicyRegistry).list().map((p) => [p.id, p.version]));
      expect(Object.keys(versions).sort()).toEqual(['account_recovery', 'onboarding', 'p2p_recipient']);
      expect(response.body).toEqual({
        status: 'ok',
        info: expect.any(Object),
        error: {},
        details: {
          database: { status: 'up', provider: t.database.provider },
          policies: { status: 'up', loaded: versions, refused: [] },
          'signal:tenure': { status: 'up', provider: 'sandbox' },
          'signal:numberRecycling': { status: 'up', provider: 'sandbox' },
          'signal:simSwap': { status: 'up', provider: 'sandbox' },
          'signal:deviceSwap': { status: 'up', provider: 'sandbox' },
        },
      });
      expect(response.body.info).toEqual(response.body.details);
    });

    it('is not ready while the database cannot serve decisions, with terminus body, and ready again after', async () => {
      await renameDecisionTable(t.database.url, 'Decision', 'Decision_away');
      try {
        const response = await probe(t, '/health/ready').expect(503);
        expect(response.headers['content-type']).toMatch(/^application\/json/);
        // terminus's body, not the CAMARA error the global filter would make of a 503.
        expect(response.body).toMatchObject({
          status: 'error',
          error: { database: { status: 'down', provider: t.database.provider, message: 'the database refused the read' } },
          info: { policies: { status: 'up' }, 'signal:simSwap': { status: 'up' } },
        });
        expect(response.body.details.database.status).toBe('down');
        // Live does not depend on the database: restarting would not bring it back.
        await probe(t, '/health/live').expect(200);
      } finally {
        await renameDecisionTable(t.database.url, 'Decision_away', 'Decision');
      }
      await probe(t, '/health/ready').expect(200);
    });

    it('stays ready when a change to a serving policy is refused, and reports the refusal', async () => {
      const registry = t.app.get(PolicyRegistry);
      const serving = registry.get('onboarding').version;
      const file = join(rules, 'onboarding.json');
      const good = readFileSync(file, 'utf8');
      writeFileSync(file, '{ "id": "onboarding", "rules": "not a list" }');
      try {
        await registry.reload(file);
        const response = await probe(t, '/health/ready').expect(200);
        expect(response.body.details.policies).toEqual({
          status: 'up',
          loaded: expect.objectContaining({ onboarding: serving }),
          refused: [{ file: 'onboarding.json', at: NOW.toISOString(), problems: expect.any(Number), keepsServing: serving }],
        });
        // A public route: the refusal's problems stay in GET /v1/policies (admin).
        const problems = (await t.http().get('/v1/policies').expect(200)).body.refused[0].problems as { message: string }[];
        expect(problems.length).toBeGreaterThan(0);
        for (const problem of problems) expect(JSON.stringify(response.body)).not.toContain(problem.message);
      } finally {
        writeFileSync(file, good);
        await registry.reload(file);
      }
      expect((await probe(t, '/health/ready').expect(200)).body.details.policies.refused).toEqual([]);
    });

    it('is not ready while a policy file in the rules folder has no version that can decide', async () => {
      const registry = t.app.get(PolicyRegistry);
      const file = join(rules, 'merchant_payout.json');
      writeFileSync(file, '{ "id": "merchant_payout" }');
      try {
        await registry.reload(file);
        const response = await probe(t, '/health/ready').expect(503);
        expect(response.body.error.policies).toMatchObject({
          status: 'down',
          message: 'refused, with no version serving: merchant_payout.json',
          refused: [{ file: 'merchant_payout.json', keepsServing: null }],
        });
        expect(response.body.info.database.status).toBe('up');
      } finally {
        rmSync(file);
      }
      // Removed from the folder, the refused file no longer holds readiness back.
      await probe(t, '/health/ready').expect(200);
      // The use cases that work were never affected.
      await t.http().post('/v1/decisions').send({ useCase: 'onboarding', phoneNumber: LINE.established }).expect(201);
    });
  });

  describe.each([
    ['true', 503],
    ['false', 200],
  ])('with SIM Swap from an operator API that does not answer, READY_REQUIRES_CLOSED_CIRCUITS=%s', (requireClosed, openStatus) => {
    const OPEN_MS = 30_000;
    let sandbox: Sandbox;
    let t: TestApp;

    beforeAll(async () => {
      // The sandbox operator hands out tokens; SIM Swap's API root is a port nobody listens on.
      sandbox = await startSandbox({ lines: TEST_LINES, now: NOW });
      t = await startTestApp({
        lines: TEST_LINES,
        now: NOW,
        env: { ...deadSimSwapEnv(sandbox, OPEN_MS), READY_REQUIRES_CLOSED_CIRCUITS: requireClosed },
      });
    });
    afterAll(async () => {
      await t.close();
      await sandbox.close();
    });

    it(`is ready while the circuit is closed, ${openStatus === 503 ? 'not ready' : 'ready but degraded'} once it opens, and ready at half-open`, async () => {
      const before = await probe(t, '/health/ready').expect(200);
      expect(before.body.details['signal:simSwap']).toEqual({ status: 'up', provider: 'http', circuit: 'closed' });

      for (let i = 0; i < 2; i++) {
        await t.http().post('/v1/decisions').send({ useCase: 'onboarding', phoneNumber: LINE.established }).expect(201);
      }
      const open = await probe(t, '/health/ready').expect(openStatus);
      const simSwap = { status: openStatus === 503 ? 'down' : 'up', provider: 'http', circuit: 'open', degraded: true };
      expect(open.body.details).toMatchObject({
        'signal:simSwap': simSwap,
        database: { status: 'up' },
        policies: { status: 'up' },
        'signal:tenure': { status: 'up', provider: 'sandbox' },
      });
      if (openStatus === 503) expect(Object.keys(open.body.error)).toEqual(['signal:simSwap']);
      // Either way the instance still decides, with SIM Swap recorded UNAVAILABLE.
      const decided = await t.http().post('/v1/decisions').send({ useCase: 'onboarding', phoneNumber: LINE.established }).expect(201);
      expect(decided.body.signals.find((s: { signal: string }) => s.signal === 'simSwap')?.status).toBe('UNAVAILABLE');
      await probe(t, '/health/live').expect(200);

      // Half-open: the next query is the probe that can close it; this instance must get it.
      t.clock.set(new Date(NOW.getTime() + OPEN_MS));
      const halfOpen = await probe(t, '/health/ready').expect(200);
      expect(halfOpen.body.details['signal:simSwap']).toEqual({ status: 'up', provider: 'http', circuit: 'half-open' });
    });
  });
});
