import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runPolicyCli } from '../src/cli/policy-cli';
import { BacktestService } from '../src/decisions/backtest.service';
import { LINE, NOW, TEST_LINES } from './support/lines';
import { starterRule } from './support/starter-rules';
import { startTestApp, TestApp } from './support/test-app';

/** Feedback labels, then a backtest of a candidate on the stored decisions, through the service and the CLI. */
describe('feedback and backtest (e2e)', () => {
  let t: TestApp;
  let dir: string;
  let candidateFile: string;
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    t = await startTestApp({ lines: TEST_LINES, now: NOW });
    dir = mkdtempSync(join(tmpdir(), 'linetrust-backtest-'));
    const candidate = starterRule('onboarding.json');
    candidate.rules.find((r: { name: string }) => r.name === 'recent-sim-swap').event.type = 'BLOCK';
    candidateFile = join(dir, 'onboarding.candidate.json');
    writeFileSync(candidateFile, JSON.stringify(candidate));
    for (const [name, phoneNumber] of [['swap', LINE.simSwapped5h], ['established', LINE.established], ['new', LINE.newLine]]) {
      ids[name] = (await t.http().post('/v1/decisions').send({ useCase: 'onboarding', phoneNumber }).expect(201)).body.id;
    }
  });
  afterAll(async () => {
    await t.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('records feedback on a decision, and refuses unknown decisions and labels', async () => {
    const server = () => t.http();
    const labelled = await server().post(`/v1/decisions/${ids.swap}/feedback`).send({ label: 'fraud' }).expect(200);
    expect(labelled.body).toEqual({ id: ids.swap, label: 'fraud', labeledAt: NOW.toISOString() });
    await server().post(`/v1/decisions/${ids.established}/feedback`).send({ label: 'legitimate' }).expect(200);
    await server().post(`/v1/decisions/${ids.new}/feedback`).send({ label: 'fraud' }).expect(200);
    await server().post(`/v1/decisions/${ids.new}/feedback`).send({ label: 'maybe' }).expect(400);
    await server().post('/v1/decisions/01890000-0000-7000-8000-000000000000/feedback').send({ label: 'fraud' }).expect(404);
  });

  it('replays the stored decisions against the candidate, with precision and recall from the labels', async () => {
    const progress: number[] = [];
    const report = await t.app.get(BacktestService).run(candidateFile, {}, (done) => progress.push(done));
    expect(report).toMatchObject({ policyId: 'onboarding', decisions: 3, replayable: 3, changedCount: 1, changed: [{ id: ids.swap, before: 'CHALLENGE', after: 'BLOCK' }] });
    expect(progress).toEqual([3]);
    expect(report.labels?.after.BLOCK).toEqual({ decisions: 1, fraud: 1, precision: 1, recall: 0.5 });
  });

  it('prints the report through the policy CLI, on the configured database', async () => {
    const saved = { ...process.env };
    Object.assign(process.env, { DATABASE_URL: t.database.url, NODE_ENV: 'test' });
    const lines: string[] = [];
    try {
      const code = await runPolicyCli(['backtest', candidateFile], { line: (l) => lines.push(l), error: (l) => lines.push(l), colour: false });
      expect(code).toBe(0);
    } finally {
      process.env = saved;
    }
    const output = lines.join('\n');
    expect(output).toMatch(/onboarding: candidate [0-9a-f]{16} replayed on 3 stored decisions, 3 fully replayable/);
    expect(output).toMatch(/CHALLENGE\s+0\s+0\s+0\s+1/);
    expect(output).toMatch(/BLOCK {6}precision - -> 100\.0% {3}recall 0\.0% -> 50\.0%/);
  });
});
