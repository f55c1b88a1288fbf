import { parseLineDataset } from '../../signals/sandbox/line-dataset';
import { PHONE_NUMBER_PATTERN } from '../../common/phone/phone-number';
import { decisionBodies, lineDataset, subscriberNumber, Traffic } from './traffic';

const NOW = Date.parse('2026-12-05T12:00:00Z');

describe('bench traffic', () => {
  it('writes a line dataset the sandbox accepts, one line per distinct number', () => {
    const dataset = lineDataset(2000, 13, NOW);
    const lines = parseLineDataset(dataset, 'bench', new Date(NOW));
    expect(lines.size).toBe(2000);
    expect(lines.has(subscriberNumber(1999))).toBe(true);
    // Mostly ordinary lines: no fault, few recent SIM changes.
    const recentSim = dataset.lines.filter((line) => /h$/.test(line.latestSimChange ?? '')).length;
    expect(recentSim / 2000).toBeLessThan(0.06);
  });

  it('sends bodies over the three use cases with the inputs their policies declare', () => {
    const bodies = decisionBodies(1000, 3000, 7, NOW).map((text) => JSON.parse(text) as Record<string, any>);
    const byUseCase = (id: string) => bodies.filter((body) => body.useCase === id);
    expect(byUseCase('onboarding').length + byUseCase('p2p_recipient').length + byUseCase('account_recovery').length).toBe(3000);
    for (const body of bodies) expect(body.phoneNumber).toMatch(PHONE_NUMBER_PATTERN);
    for (const body of byUseCase('p2p_recipient')) {
      expect(Number.isInteger(body.context.amount) && body.context.amount >= 1).toBe(true);
      expect(['EUR', 'GBP', 'USD']).toContain(body.context.currency);
    }
    for (const body of byUseCase('account_recovery')) expect(body.trustedSince < '2026-12-05').toBe(true);
    expect(new Set(bodies.map((body) => body.phoneNumber)).size).toBeGreaterThan(900);
    const unknown = bodies.filter((body) => body.phoneNumber.startsWith('+3462')).length;
    expect(unknown).toBeGreaterThan(0);
    expect(unknown / 3000).toBeLessThan(0.03);
  });

  it('is the same traffic on every run', () => {
    expect(decisionBodies(100, 50, 7, NOW)).toEqual(decisionBodies(100, 50, 7, NOW));
    expect(lineDataset(100, 13, NOW)).toEqual(lineDataset(100, 13, NOW));
  });

  it('hands out bodies in turn and Idempotency-Keys that never repeat', () => {
    const traffic = new Traffic(['a', 'b'], 'run1');
    expect([traffic.body(), traffic.body(), traffic.body()]).toEqual(['a', 'b', 'a']);
    const keys = Array.from({ length: 100 }, () => traffic.idempotencyKey());
    expect(new Set(keys).size).toBe(100);
    expect(keys[0]).toMatch(/^[\x21-\x7e]{1,255}$/);
  });
});
