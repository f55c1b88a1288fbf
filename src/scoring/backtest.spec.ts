import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { starterRulesDir } from '../../test/support/starter-rules';
import { Backtest, StoredDecision } from './backtest';
import { CompiledPolicy } from './compiled-policy';
import { validatePolicyText } from './policy-validator';
import { SignalRecord } from './signal-collector';

const AT = new Date('2026-06-15T12:00:00Z');
const onboarding = JSON.parse(readFileSync(join(starterRulesDir(), 'onboarding.json'), 'utf8'));

function candidate(change: (policy: any) => void): CompiledPolicy {
  const policy = JSON.parse(JSON.stringify(onboarding));
  change(policy);
  const text = JSON.stringify(policy);
  return new CompiledPolicy(validatePolicyText(text, '/rules/onboarding.candidate.json'), '/rules/onboarding.candidate.json', text);
}

const signal = (s: SignalRecord['signal'], operation: string, query: Record<string, string | number>, answer: Record<string, unknown>): SignalRecord => ({
  signal: s, operation, query, status: 'OK', answer, cached: false, attempts: 1, durationMs: 1,
});
const reason = (rule: string, action: StoredDecision['outcome']) => ({ rule, code: rule.toUpperCase(), action, message: rule });
const line = (held30: boolean, contractType: string, swapped: boolean): SignalRecord[] => [
  signal('tenure', 'checkTenure', { tenureDate: '2026-05-16' }, { tenureDateCheck: held30, contractType }),
  signal('tenure', 'checkTenure', { tenureDate: '2025-06-15' }, { tenureDateCheck: held30, contractType }),
  signal('simSwap', 'check', { maxAge: 72 }, { swapped }),
];

/** Three onboarding decisions as stored: a SIM swap, an established line, a new prepaid line. */
const STORED: StoredDecision[] = [
  { id: 'swap', createdAt: AT, outcome: 'CHALLENGE', reasons: [reason('recent-sim-swap', 'CHALLENGE')], signals: line(true, 'PAYM', true), label: 'fraud' },
  { id: 'established', createdAt: AT, outcome: 'ALLOW', reasons: [reason('established-postpaid-line', 'ALLOW')], signals: line(true, 'PAYM', false), label: 'legitimate' },
  { id: 'new', createdAt: AT, outcome: 'REVIEW', reasons: [reason('new-line', 'REVIEW'), reason('prepaid-line', 'ALLOW')], signals: line(false, 'PAYG', false), label: 'fraud' },
];

async function run(policy: CompiledPolicy) {
  const backtest = new Backtest(policy);
  for (const decision of STORED) await backtest.add(decision);
  return backtest.report();
}

describe('Backtest', () => {
  it('reports the outcome changes, per-rule hits and changed decisions of a candidate', async () => {
    const report = await run(candidate((p) => (p.rules.find((r: any) => r.name === 'recent-sim-swap').event.type = 'BLOCK')));
    expect(report).toMatchObject({ decisions: 3, replayable: 3, changedCount: 1, changed: [{ id: 'swap', before: 'CHALLENGE', after: 'BLOCK' }] });
    expect(report.matrix.CHALLENGE.BLOCK).toBe(1);
    expect(report.matrix.ALLOW.ALLOW).toBe(1);
    expect(report.matrix.REVIEW.REVIEW).toBe(1);
    expect(report.rules).toEqual(
      expect.arrayContaining([
        { rule: 'recent-sim-swap', before: 1, after: 1, notReplayable: 0 },
        { rule: 'new-line', before: 1, after: 1, notReplayable: 0 },
        { rule: 'established-postpaid-line', before: 1, after: 1, notReplayable: 0 },
      ]),
    );
  });

  it('gives precision and recall of each outcome before and after, from the labels', async () => {
    const { labels } = await run(candidate((p) => (p.rules.find((r: any) => r.name === 'recent-sim-swap').event.type = 'BLOCK')));
    expect(labels?.labelled).toBe(3);
    expect(labels?.before.CHALLENGE).toEqual({ decisions: 1, fraud: 1, precision: 1, recall: 0.5 });
    expect(labels?.before.BLOCK).toEqual({ decisions: 0, fraud: 0, precision: null, recall: 0 });
    expect(labels?.after.BLOCK).toEqual({ decisions: 1, fraud: 1, precision: 1, recall: 0.5 });
    expect(labels?.after.ALLOW).toEqual({ decisions: 1, fraud: 0, precision: 0, recall: 0 });
  });

  it('never evaluates a rule on an answer to another question: a 60-day tenure rule is not replayable', async () => {
    const report = await run(
      candidate((p) => {
        for (const rule of p.rules) for (const leaf of rule.conditions.all) if (leaf.fact === 'tenure' && leaf.params.days === 30) leaf.params.days = 60;
      }),
    );
    expect(report.replayable).toBe(0);
    expect(report.rules.find((r) => r.rule === 'new-line')).toMatchObject({ notReplayable: 3, after: 0 });
    expect(report.rules.find((r) => r.rule === 'recent-sim-swap')).toMatchObject({ notReplayable: 0 });
    expect(Object.values(report.matrix).every((row) => Object.values(row).every((n) => n === 0))).toBe(true);
  });
});

describe('Backtest against declared inputs', () => {
  it("reports, and does not replay, stored decisions whose context the candidate's inputs refuse", async () => {
    // The candidate starts reading a required channel field the stored decisions never sent.
    const reading = candidate((p) => {
      p.inputs.context.properties = { channel: { type: 'string', enum: ['app', 'web'] } };
      p.inputs.context.required = ['channel'];
      p.rules.find((r: any) => r.name === 'recent-sim-swap').conditions.all.push({ fact: 'context', path: '$.channel', operator: 'equal', value: 'web' });
    });
    const backtest = new Backtest(reading);
    for (const decision of STORED) await backtest.add(decision);
    await backtest.add({ ...STORED[0], id: 'with-channel', context: { channel: 'web' } });
    const report = backtest.report();
    expect(report.decisions).toBe(4);
    expect(report.inputsRefused).toEqual({ count: 3, examples: ['swap', 'established', 'new'].map((id) => ({ id, fields: ['context.channel'] })) });
    expect(report.replayable).toBe(1);
    expect(report.changed).toEqual([]);
    expect(report.rules.find((r) => r.rule === 'recent-sim-swap')).toMatchObject({ before: 1, after: 1 });
  });

  it('replays every decision when the stored contexts fit', async () => {
    const report = await run(candidate(() => undefined));
    expect(report.inputsRefused).toEqual({ count: 0, examples: [] });
    expect(report.replayable).toBe(3);
  });
});
