import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { starterRulesDir } from '../../test/support/starter-rules';
import { Backtest, StoredDecision } from './backtest';
import { CompiledPolicy } from './compiled-policy';
import { validatePolicyText } from './policy-validator';
import { NOT_REPLAYABLE, ReplayCollector } from './replay-collector';
import { queryKey, SignalRecord } from './signal-collector';

const record = (signal: SignalRecord['signal'], operation: string, query: SignalRecord['query'], status: SignalRecord['status'], answer?: Record<string, unknown>): SignalRecord => ({
  signal, operation, query, status, ...(answer ? { answer } : { reason: 'operator down' }), cached: false, attempts: 1, durationMs: 1,
});

describe('ReplayCollector', () => {
  it('answers from the stored signals as the operator answered then, and notes what was never asked', () => {
    const collector = new ReplayCollector().load({
      createdAt: new Date('2026-06-15T12:00:00Z'),
      signals: [record('tenure', 'checkTenure', { tenureDate: '2026-05-16' }, 'OK', { tenureDateCheck: true }), record('simSwap', 'check', { maxAge: 72 }, 'UNAVAILABLE')],
    });
    expect(collector.resolve('tenure', { days: 30 })).toEqual({ status: 'OK', tenureDateCheck: true });
    expect(collector.resolve('simSwap', { maxAge: 72 })).toEqual({ status: 'UNAVAILABLE', reason: 'operator down' });
    expect(collector.resolve('tenure', { days: 60 })).toEqual({ status: 'UNAVAILABLE', reason: NOT_REPLAYABLE });
    expect(collector.resolve('numberRecycling', {})).toEqual({ status: 'MISSING_INPUT', reason: expect.stringContaining('trustedSince') });
    expect([...collector.missing]).toEqual([queryKey({ signal: 'tenure', operation: 'checkTenure', query: { tenureDate: '2026-04-16' } })]);
    collector.load({ createdAt: new Date('2026-06-15T12:00:00Z'), signals: [] });
    expect(collector.missing.size).toBe(0);
  });

  it('asks each decision its own calendar date, on both sides of midnight UTC (the memo of dates is by day)', () => {
    const collector = new ReplayCollector();
    const tenure = (date: string) => [record('tenure', 'checkTenure', { tenureDate: date }, 'OK', { tenureDateCheck: date })];
    for (const [at, date] of [
      ['2026-06-15T23:59:59.999Z', '2026-05-16'],
      ['2026-06-16T00:00:00.000Z', '2026-05-17'],
      ['2026-06-15T00:00:00.000Z', '2026-05-16'],
      ['2024-03-30T10:00:00.000Z', '2024-02-29'],
    ]) {
      expect(collector.load({ createdAt: new Date(at), signals: tenure(date) }).resolve('tenure', { days: 30 })).toMatchObject({ status: 'OK', tenureDateCheck: date });
    }
  });

  it('matches a stored query as its JSON key does: the last of two alike, not one with other fields', () => {
    const collector = new ReplayCollector().load({
      createdAt: new Date('2026-06-15T12:00:00Z'),
      signals: [
        record('simSwap', 'check', { maxAge: 72 }, 'OK', { swapped: false }),
        record('simSwap', 'check', { maxAge: 72 }, 'OK', { swapped: true }),
        record('deviceSwap', 'check', { maxAge: 24, extra: 1 }, 'OK', { swapped: true }),
        record('deviceSwap', 'check', { maxAge: '24' } as never, 'OK', { swapped: true }),
      ],
    });
    expect(collector.resolve('simSwap', { maxAge: 72 })).toEqual({ status: 'OK', swapped: true });
    expect(collector.resolve('deviceSwap', { maxAge: 24 })).toMatchObject({ reason: NOT_REPLAYABLE });
  });

  it('answers with values, not promises: the policy runs without awaiting a replayed signal', () => {
    const collector = new ReplayCollector().load({ createdAt: new Date('2026-06-15T12:00:00Z'), signals: [record('simSwap', 'check', { maxAge: 72 }, 'OK', { swapped: true })] });
    expect(collector.resolve('simSwap', { maxAge: 72 })).toEqual({ status: 'OK', swapped: true });
  });
});

describe('Backtest.add', () => {
  it('refuses a decision added while the previous one is still replaying (they share one collector)', async () => {
    const text = readFileSync(join(starterRulesDir(), 'onboarding.json'), 'utf8');
    const backtest = new Backtest(new CompiledPolicy(validatePolicyText(text, '/rules/onboarding.json'), '/rules/onboarding.json', text));
    const decision: StoredDecision = { id: 'a', createdAt: new Date('2026-06-15T12:00:00Z'), outcome: 'ALLOW', reasons: [], signals: [] };
    const first = backtest.add(decision);
    await expect(backtest.add({ ...decision, id: 'b' })).rejects.toThrow(/await each decision/);
    await first;
    await backtest.add({ ...decision, id: 'c' });
    expect(backtest.report().decisions).toBe(2);
  });
});
