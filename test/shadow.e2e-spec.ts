import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runPolicyCli } from '../src/cli/policy-cli';
import { DecisionService } from '../src/decisions/decision.service';
import { PolicyRegistry } from '../src/policies/policy.registry';
import { PrismaService } from '../src/prisma/prisma.service';
import { LINE, NOW, TEST_LINES } from './support/lines';
import { starterRulesDir } from './support/starter-rules';
import { startTestApp, TestApp } from './support/test-app';

/** Shadow mode: a candidate decides beside the active policy; stored, never answered. */
describe('shadow candidate (e2e)', () => {
  let t: TestApp;
  let rules: string;
  const server = () => t.http();
  const candidateFile = () => join(rules, 'onboarding.candidate.json');

  beforeAll(async () => {
    rules = mkdtempSync(join(tmpdir(), 'linetrust-shadow-'));
    cpSync(starterRulesDir(), rules, { recursive: true });
    // The candidate blocks what the active policy only challenges: a SIM swapped in 72 h.
    const candidate = JSON.parse(readFileSync(join(rules, 'onboarding.json'), 'utf8'));
    candidate.rules.find((r: { name: string }) => r.name === 'recent-sim-swap').event.type = 'BLOCK';
    // ...and asks a question the active policy never asks.
    candidate.rules.push({
      name: 'swap-in-ten-days',
      conditions: { all: [{ fact: 'simSwap', params: { maxAge: 240 }, path: '$.swapped', operator: 'equal', value: true }] },
      event: { type: 'ALLOW', params: { code: 'SIM_SWAPPED_LAST_10_DAYS', message: 'SIM changed in 10 days.', score: 5 } },
    });
    writeFileSync(candidateFile(), JSON.stringify(candidate, null, 2));
    t = await startTestApp({ lines: TEST_LINES, now: NOW, env: { RULES_DIR: rules } });
  });
  afterAll(async () => {
    await t.close();
    rmSync(rules, { recursive: true, force: true });
  });

  // The shadow run is stored after the answer: wait for it before reading the row.
  const decide = async (phoneNumber: string) => {
    const body = (await server().post('/v1/decisions').send({ useCase: 'onboarding', phoneNumber }).expect(201)).body;
    await t.app.get(DecisionService).shadowsSettled();
    return body;
  };

  it('answers with the active policy, stores the candidate outcome, and reports the agreement', async () => {
    const swapped = await decide(LINE.simSwapped5h);
    await decide(LINE.established);
    expect(swapped.outcome).toBe('CHALLENGE');
    expect(JSON.stringify(swapped)).not.toMatch(/shadow/i);
    // The candidate's own questions are not part of the answered decision's explanation.
    expect(swapped.signals.map((s: { query: object }) => s.query)).not.toContainEqual({ maxAge: 240 });
    const read = await server().get(`/v1/decisions/${swapped.id}`).expect(200);
    expect(read.body).toEqual(swapped);

    const row = await t.app.get(PrismaService).client.decision.findUnique({ where: { id: swapped.id } });
    expect(row).toMatchObject({ shadowOutcome: 'BLOCK', shadowPolicyVersion: t.app.get(PolicyRegistry).candidate('onboarding')?.version });

    const report = (await server().get('/v1/policies/onboarding/shadow').expect(200)).body;
    expect(report.candidates).toHaveLength(1);
    expect(report.candidates[0]).toMatchObject({ running: true, decisions: 2, agreement: 0.5 });
    expect(report.candidates[0].matrix.CHALLENGE.BLOCK).toBe(1);
    expect(report.candidates[0].matrix.ALLOW.ALLOW).toBe(1);
  });

  it('shows the report through the policy CLI', async () => {
    await t.app.listen(0, '127.0.0.1');
    const lines: string[] = [];
    const code = await runPolicyCli(['shadow', 'onboarding', '--url', await t.app.getUrl(), '--key', t.key], { line: (l) => lines.push(l), error: (l) => lines.push(l), colour: false });
    expect(code).toBe(0);
    expect(lines.join('\n')).toMatch(/candidate [0-9a-f]{16} \(running\): 2 decisions, agreement 50\.0%/);
    expect(lines.join('\n')).toMatch(/CHALLENGE\s+0\s+0\s+0\s+1/);
  });

  it("does not evaluate a candidate on a context its declared inputs would refuse, and counts it", async () => {
    const reloaded = t.app.get(PolicyRegistry).nextReload();
    const candidate = JSON.parse(readFileSync(join(rules, 'onboarding.json'), 'utf8'));
    candidate.inputs.context = { type: 'object', properties: { channel: { type: 'string', enum: ['app', 'web'] } }, required: ['channel'] };
    candidate.rules.push({
      name: 'web-channel',
      conditions: { all: [{ fact: 'context', path: '$.channel', operator: 'equal', value: 'web' }] },
      event: { type: 'CHALLENGE', params: { code: 'WEB_CHANNEL', message: 'Onboarding on the web.' } },
    });
    writeFileSync(candidateFile(), JSON.stringify(candidate, null, 2));
    await reloaded;
    expect(t.app.get(PolicyRegistry).candidate('onboarding')?.inputs.required.has('channel')).toBe(true);
    const skipped = async () => Number(/^linetrust_shadow_skipped_total\{use_case="onboarding"\} (\d+)$/m.exec((await server().get('/metrics').expect(200)).text)?.[1] ?? 0);
    const before = await skipped();
    const decision = await decide(LINE.established);
    expect(decision.outcome).toBe('ALLOW');
    const row = await t.app.get(PrismaService).client.decision.findUnique({ where: { id: decision.id } });
    expect(row).toMatchObject({ shadowOutcome: null, shadowPolicyVersion: null });
    expect(await skipped()).toBe(before + 1);
  });

  it('stops the shadow run when the candidate file is removed', async () => {
    const removed = t.app.get(PolicyRegistry).nextReload();
    rmSync(candidateFile());
    await removed;
    const decision = await decide(LINE.simSwapped5h);
    const row = await t.app.get(PrismaService).client.decision.findUnique({ where: { id: decision.id } });
    expect(row?.shadowOutcome).toBeNull();
    const report = (await server().get('/v1/policies/onboarding/shadow').expect(200)).body;
    expect(report.candidates[0]).toMatchObject({ running: false, decisions: 2 });
  });

  it('400 for a malformed time range, 404 for an unknown policy', async () => {
    await server().get('/v1/policies/onboarding/shadow?from=yesterday').expect(400);
    await server().get('/v1/policies/lending/shadow').expect(404);
  });
});
