import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { PolicyRegistry } from '../src/policies/policy.registry';
import { LINE, NOW, TEST_LINES } from './support/lines';
import { starterRulesDir } from './support/starter-rules';
import { startTestApp, TestApp } from './support/test-app';

/** Hot reload: a saved policy is picked up without a restart; a broken one is refused. */
describe('policy hot reload (e2e)', () => {
  let t: TestApp;
  let rules: string;
  const file = () => join(rules, 'onboarding.json');
  // Listening for real: supertest would otherwise start a listener per concurrent request.
  let url: string;
  const server = () => request.agent(url).set(t.auth);

  beforeAll(async () => {
    rules = mkdtempSync(join(tmpdir(), 'linetrust-rules-'));
    cpSync(starterRulesDir(), rules, { recursive: true });
    t = await startTestApp({ lines: TEST_LINES, now: NOW, env: { RULES_DIR: rules } });
    await t.app.listen(0, '127.0.0.1');
    url = await t.app.getUrl();
  });
  afterAll(async () => {
    await t.close();
    rmSync(rules, { recursive: true, force: true });
  });

  const version = async () =>
    (await server().get('/v1/policies').expect(200)).body.items.find((p: { id: string }) => p.id === 'onboarding').version as string;

  /** Decisions sent while `change` happens: every one must succeed, on one version or the other. */
  async function whileDeciding(change: () => Promise<void>): Promise<{ status: number; version: string }[]> {
    let running = true;
    const results: { status: number; version: string }[] = [];
    const client = async () => {
      while (running) {
        const response = await server().post('/v1/decisions').send({ useCase: 'onboarding', phoneNumber: LINE.newLine });
        results.push({ status: response.status, version: response.body.policy?.version });
      }
    };
    const clients = Array.from({ length: 4 }, client);
    await change();
    running = false;
    await Promise.all(clients);
    return results;
  }

  it('swaps in a valid change while decisions are in flight, each decision on one whole version', async () => {
    const before = await version();
    const policy = JSON.parse(readFileSync(file(), 'utf8'));
    policy.rules[0].event.params.score = 70;
    const results = await whileDeciding(async () => {
      const reloaded = t.app.get(PolicyRegistry).nextReload();
      writeFileSync(file(), JSON.stringify(policy, null, 2));
      await reloaded;
    });
    const after = await version();
    expect(after).not.toBe(before);
    expect(results.length).toBeGreaterThan(0);
    expect(results.every((r) => r.status === 201 && [before, after].includes(r.version))).toBe(true);
    const decision = await server().post('/v1/decisions').send({ useCase: 'onboarding', phoneNumber: LINE.newLine }).expect(201);
    expect(decision.body.policy.version).toBe(after);
    expect(decision.body.score).toBe(85);

    // Both versions are on record with their exact text; a decision leads back to its own.
    const detail = (await server().get('/v1/policies/onboarding').expect(200)).body;
    expect(detail).toMatchObject({ id: 'onboarding', version: after, content: readFileSync(file(), 'utf8') });
    expect(detail.history.map((h: { version: string }) => h.version).sort()).toEqual([after, before].sort());
    const old = (await server().get(`/v1/policies/onboarding/versions/${before}`).expect(200)).body;
    expect(old).toMatchObject({ id: 'onboarding', version: before, active: false });
    expect(JSON.parse(old.content).rules[0].event.params.score).toBe(50);
    await server().get('/v1/policies/onboarding/versions/0000000000000000').expect(404);
    await server().get('/v1/policies/lending').expect(404);
  });

  it('refuses a broken change, says why, and keeps serving the last good version', async () => {
    const good = await version();
    const results = await whileDeciding(async () => {
      const reloaded = t.app.get(PolicyRegistry).nextReload();
      writeFileSync(file(), '{ "id": "onboarding", "rules": [ { "name": "half-written" ');
      await reloaded;
    });
    expect(results.every((r) => r.status === 201 && r.version === good)).toBe(true);
    const listing = (await server().get('/v1/policies').expect(200)).body;
    expect(listing.refused).toEqual([{ file: file(), at: expect.any(String), problems: [{ path: '$', message: expect.stringContaining('not valid JSON') }] }]);
    expect(await version()).toBe(good);
  });
});
