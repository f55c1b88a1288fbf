import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { PolicyRegistry } from '../src/policies/policy.registry';
import { LINE, NOW, TEST_LINES } from './support/lines';
import { deadSimSwapEnv, Sandbox, startSandbox } from './support/sandbox-harness';
import { starterRulesDir } from './support/starter-rules';
import { startTestApp, TestApp } from './support/test-app';

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** The Prometheus text format's samples (comments skipped). */
function parseMetrics(text: string): Sample[] {
  return text
    .split('\n')
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => {
      const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
      if (!match) throw new Error(`not a sample line: ${line}`);
      const labels = Object.fromEntries([...(match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((m) => [m[1], m[2]]));
      return { name: match[1], labels, value: Number(match[3]) };
    });
}

/** Scrapes /metrics without a key, as Prometheus does. */
async function scrape(t: TestApp): Promise<Sample[]> {
  const response = await request(t.app.getHttpServer()).get('/metrics').expect(200);
  expect(response.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
  return parseMetrics(response.text);
}

/** `label value,label value -> sample value` for one metric, to compare whole tables at once. */
function table(samples: Sample[], name: string, labels: string[]): Record<string, number> {
  return Object.fromEntries(samples.filter((s) => s.name === name).map((s) => [labels.map((l) => s.labels[l]).join(' '), s.value]));
}

const nonZero = (counts: Record<string, number>) => Object.fromEntries(Object.entries(counts).filter(([, n]) => n !== 0));

interface DecisionBody {
  outcome: string;
  signals: { signal: string; status: string; cached: boolean }[];
}

describe('Prometheus metrics (e2e)', () => {
  describe('with the built-in sandbox operator', () => {
    let t: TestApp;
    let rules: string;
    const decisions: DecisionBody[] = [];
    const decide = async (body: object, outcome: string) => {
      const response = await t.http().post('/v1/decisions').send(body).expect(201);
      expect(response.body.outcome).toBe(outcome);
      decisions.push(response.body);
    };

    beforeAll(async () => {
      rules = mkdtempSync(join(tmpdir(), 'linetrust-rules-'));
      cpSync(starterRulesDir(), rules, { recursive: true });
      t = await startTestApp({ lines: TEST_LINES, now: NOW, env: { RULES_DIR: rules, POLICY_RELOAD: 'false' } });
      // Decisions whose outcomes the test dataset fixes.
      await decide({ useCase: 'onboarding', phoneNumber: LINE.established }, 'ALLOW');
      await decide({ useCase: 'onboarding', phoneNumber: LINE.established }, 'ALLOW');
      await decide({ useCase: 'onboarding', phoneNumber: LINE.newLine }, 'REVIEW');
      await decide({ useCase: 'onboarding', phoneNumber: LINE.simSwapped5h }, 'CHALLENGE');
      await decide({ useCase: 'onboarding', phoneNumber: LINE.notSubscriber }, 'CHALLENGE');
      await decide({ useCase: 'p2p_recipient', phoneNumber: LINE.simSwapped48h, context: { amount: 25000, currency: 'EUR' } }, 'REVIEW');
      await decide({ useCase: 'account_recovery', phoneNumber: LINE.recycled, trustedSince: '2026-01-01' }, 'BLOCK');
      await decide({ useCase: 'account_recovery', phoneNumber: LINE.noSwapData, trustedSince: '2026-01-01' }, 'CHALLENGE');
    });
    afterAll(async () => {
      await t.close();
      rmSync(rules, { recursive: true, force: true });
    });

    it('counts decisions by use case and outcome exactly, and times each one', async () => {
      const samples = await scrape(t);
      expect(table(samples, 'linetrust_decisions_total', ['use_case', 'outcome'])).toEqual({
        'onboarding ALLOW': 2,
        'onboarding CHALLENGE': 2,
        'onboarding REVIEW': 1,
        'onboarding BLOCK': 0,
        'p2p_recipient ALLOW': 0,
        'p2p_recipient CHALLENGE': 0,
        'p2p_recipient REVIEW': 1,
        'p2p_recipient BLOCK': 0,
        'account_recovery ALLOW': 0,
        'account_recovery CHALLENGE': 1,
        'account_recovery REVIEW': 0,
        'account_recovery BLOCK': 1,
      });
      expect(table(samples, 'linetrust_decision_duration_seconds_count', ['use_case'])).toEqual({
        onboarding: 5,
        p2p_recipient: 1,
        account_recovery: 2,
      });
      const buckets = samples.filter((s) => s.name === 'linetrust_decision_duration_seconds_bucket' && s.labels.le === '+Inf');
      expect(Object.fromEntries(buckets.map((s) => [s.labels.use_case, s.value]))).toEqual({ onboarding: 5, p2p_recipient: 1, account_recovery: 2 });
    });

    it("times each commit of the decision path: one per decision sent alone, none of claims without Idempotency-Key", async () => {
      const samples = await scrape(t);
      expect(table(samples, 'linetrust_decision_commit_seconds_count', ['kind'])).toEqual({ decisions: 8, claims: 0 });
      const sum = table(samples, 'linetrust_decision_commit_seconds_sum', ['kind']);
      expect(sum.decisions).toBeGreaterThan(0);
      // Each commit happens within its decision's time, which counts storing it.
      const decided = Object.values(table(samples, 'linetrust_decision_duration_seconds_sum', ['use_case'])).reduce((a, b) => a + b, 0);
      expect(sum.decisions).toBeLessThanOrEqual(decided);
    });

    it('counts signal queries by signal, provider and result as the decisions report them', async () => {
      const expected: Record<string, number> = {};
      for (const { signals } of decisions) {
        for (const s of signals) {
          const result = s.cached ? 'cache_hit' : s.status.toLowerCase();
          const key = `${s.signal} sandbox ${result}`;
          expected[key] = (expected[key] ?? 0) + 1;
        }
      }
      // What the dataset guarantees: an established line's tenure is reused, one line is not a
      // subscriber, one has no device data.
      expect(expected).toMatchObject({
        'tenure sandbox cache_hit': expect.any(Number),
        'tenure sandbox not_subscriber': 2,
        'deviceSwap sandbox not_applicable': 1,
      });
      const samples = await scrape(t);
      expect(table(samples, 'linetrust_signal_queries_total', ['signal', 'provider', 'result'])).toEqual(expected);
      const queriedWithoutCache = Object.entries(expected).filter(([key]) => !key.endsWith('cache_hit'));
      const operatorCalls = table(samples, 'linetrust_signal_operator_calls_total', ['signal']);
      for (const signal of ['tenure', 'numberRecycling', 'simSwap', 'deviceSwap']) {
        const calls = queriedWithoutCache.filter(([key]) => key.startsWith(`${signal} `)).reduce((sum, [, n]) => sum + n, 0);
        // One call per query here: the sandbox never fails.
        expect({ signal, calls: operatorCalls[signal] }).toEqual({ signal, calls });
        expect(table(samples, 'linetrust_signal_duration_seconds_count', ['signal'])[signal] ?? 0).toBe(calls);
      }
      expect(table(samples, 'linetrust_circuit_state', ['signal'])).toEqual({ tenure: 0, numberRecycling: 0, simSwap: 0, deviceSwap: 0 });
    });

    it('counts a decision once: refused requests and Idempotency-Key replays are not decisions', async () => {
      const count = async () => (await scrape(t)).find((s) => s.name === 'linetrust_decisions_total' && s.labels.use_case === 'onboarding' && s.labels.outcome === 'REVIEW')?.value;
      const before = await count();
      const body = { useCase: 'onboarding', phoneNumber: LINE.newLine };
      await t.http().post('/v1/decisions').set('idempotency-key', 'metrics-1').send(body).expect(201);
      await t.http().post('/v1/decisions').set('idempotency-key', 'metrics-1').send(body).expect(201);
      await t.http().post('/v1/decisions').send({ useCase: 'no_such_case', phoneNumber: LINE.newLine }).expect(400);
      expect(await count()).toBe((before ?? 0) + 1);
    });

    it('counts policy reloads by file and result, and the files refused now', async () => {
      const registry = t.app.get(PolicyRegistry);
      const file = join(rules, 'onboarding.json');
      const good = JSON.parse(readFileSync(file, 'utf8'));
      writeFileSync(file, '{ "id": "onboarding" }');
      await registry.reload(file);
      let samples = await scrape(t);
      expect(table(samples, 'linetrust_policy_reloads_total', ['policy', 'result'])).toEqual({ 'onboarding refused': 1 });
      expect(table(samples, 'linetrust_policy_refused_files', [])).toEqual({ '': 1 });

      good.description = `${good.description} (edited)`;
      writeFileSync(file, JSON.stringify(good));
      await registry.reload(file);
      writeFileSync(join(rules, 'onboarding.candidate.json'), JSON.stringify(good));
      await registry.reload(join(rules, 'onboarding.candidate.json'));
      samples = await scrape(t);
      expect(table(samples, 'linetrust_policy_reloads_total', ['policy', 'result'])).toEqual({
        'onboarding refused': 1,
        'onboarding applied': 1,
        'onboarding.candidate applied': 1,
      });
      expect(table(samples, 'linetrust_policy_refused_files', [])).toEqual({ '': 0 });
    });

    it('exports the default process metrics on the same registry', async () => {
      const names = new Set((await scrape(t)).map((s) => s.name));
      for (const name of ['process_cpu_user_seconds_total', 'process_resident_memory_bytes', 'nodejs_heap_size_used_bytes', 'nodejs_eventloop_lag_seconds']) {
        expect(names).toContain(name);
      }
    });
  });

  describe('with SIM Swap from an operator API that does not answer', () => {
    const OPEN_MS = 30_000;
    let sandbox: Sandbox;
    let t: TestApp;

    beforeAll(async () => {
      sandbox = await startSandbox({ lines: TEST_LINES, now: NOW });
      t = await startTestApp({
        lines: TEST_LINES,
        now: NOW,
        env: { ...deadSimSwapEnv(sandbox, OPEN_MS) },
      });
    });
    afterAll(async () => {
      await t.close();
      await sandbox.close();
    });

    it('counts failures by cause, refusals of the open circuit, and shows the circuit state', async () => {
      // Its own registry: nothing the other application counted in this process shows here.
      const fresh = await scrape(t);
      expect(nonZero(table(fresh, 'linetrust_decisions_total', ['use_case', 'outcome']))).toEqual({});
      expect(table(fresh, 'linetrust_signal_queries_total', ['signal'])).toEqual({});

      for (let i = 0; i < 3; i++) {
        await t.http().post('/v1/decisions').send({ useCase: 'onboarding', phoneNumber: LINE.established }).expect(201);
      }
      const open = await scrape(t);
      const simSwap = table(open, 'linetrust_signal_queries_total', ['signal', 'provider', 'result']);
      expect(Object.fromEntries(Object.entries(simSwap).filter(([key]) => key.startsWith('simSwap ')))).toEqual({
        'simSwap http unavailable_network': 2,
        'simSwap http unavailable_circuit_open': 1,
      });
      // Refused by the open circuit: not called, not billed.
      expect(table(open, 'linetrust_signal_operator_calls_total', ['signal', 'provider'])).toMatchObject({ 'simSwap http': 2 });
      expect(table(open, 'linetrust_circuit_state', ['signal'])).toEqual({ tenure: 0, numberRecycling: 0, simSwap: 2, deviceSwap: 0 });
      expect(nonZero(table(open, 'linetrust_decisions_total', ['use_case', 'outcome']))).toEqual({ 'onboarding ALLOW': 3 });

      t.clock.set(new Date(NOW.getTime() + OPEN_MS));
      expect(table(await scrape(t), 'linetrust_circuit_state', ['signal'])).toMatchObject({ simSwap: 1 });
    });
  });
});
