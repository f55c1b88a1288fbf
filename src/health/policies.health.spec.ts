import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HealthIndicatorService } from '@nestjs/terminus';
import { FixedClock } from '../common/time/clock';
import { FleetPolicyState, PolicyRefusal, PolicyRegistry } from '../policies/policy.registry';
import { FLEET_SYNC_GRACE_MS, PoliciesHealthIndicator } from './policies.health';

describe('PoliciesHealthIndicator', () => {
  let rules: string;
  const at = '2026-06-15T12:00:00.000Z';
  const problems = [{ path: '$.rules', message: 'must be array' }];
  beforeAll(() => {
    rules = mkdtempSync(join(tmpdir(), 'linetrust-health-'));
    for (const name of ['onboarding.json', 'payout.json', 'onboarding.candidate.json']) writeFileSync(join(rules, name), '{}');
  });
  afterAll(() => rmSync(rules, { recursive: true, force: true }));

  const clock = new FixedClock(new Date(at));
  function indicator(refused: PolicyRefusal[], options: { loaded?: string[]; candidate?: string; fleet?: FleetPolicyState[] } = {}) {
    const registry = {
      source: options.fleet ? 'database' : 'files',
      list: () => (options.loaded ?? ['onboarding']).map((id) => ({ id, version: `${id}-v1` })),
      refused: () => refused,
      candidate: () => (options.candidate ? { version: options.candidate } : undefined),
      fleetStates: () => options.fleet ?? [],
    } as unknown as PolicyRegistry;
    return new PoliciesHealthIndicator(new HealthIndicatorService(), registry, clock);
  }
  const refusal = (name: string): PolicyRefusal => ({ file: join(rules, name), at, problems });

  it('is up with every policy deciding and nothing refused', () => {
    expect(indicator([]).check()).toEqual({ policies: { status: 'up', loaded: { onboarding: 'onboarding-v1' }, refused: [] } });
  });

  it('stays up when a change is refused while the last good version keeps deciding', () => {
    expect(indicator([refusal('onboarding.json')]).check().policies).toEqual({
      status: 'up',
      loaded: { onboarding: 'onboarding-v1' },
      refused: [{ file: 'onboarding.json', at, problems: 1, keepsServing: 'onboarding-v1' }],
    });
  });

  it('is down while a refused policy file is in the folder with no version deciding', () => {
    expect(indicator([refusal('payout.json')]).check().policies).toMatchObject({
      status: 'down',
      message: 'refused, with no version serving: payout.json',
      refused: [{ file: 'payout.json', keepsServing: null }],
    });
  });

  it('is up again once that file is gone from the folder', () => {
    expect(indicator([refusal('gone.json')]).check().policies.status).toBe('up');
  });

  it.each([
    ['a candidate still runs', 'onboarding-v0', 'onboarding-v0'],
    ['none runs', undefined, null],
  ])('reports a refused shadow candidate without going down (%s)', (_label, candidate, keepsServing) => {
    expect(indicator([refusal('onboarding.candidate.json')], { candidate }).check().policies).toMatchObject({
      status: 'up',
      refused: [{ file: 'onboarding.candidate.json', keepsServing }],
    });
  });

  it('is down with no policy loaded at all', () => {
    expect(indicator([], { loaded: [] }).check().policies).toMatchObject({ status: 'down', message: 'no policy is loaded' });
  });

  describe('with POLICY_SOURCE=database', () => {
    const active = { policyId: 'onboarding', version: 'onboarding-v2', activatedAt: new Date(at), activatedBy: 'cli', revision: 2 };
    const behindSince = (ms: number): FleetPolicyState => ({ id: 'onboarding', running: 'onboarding-v1', active, mismatchSince: new Date(Date.parse(at) - ms) });

    it('is up and reports both versions while they agree', () => {
      const fleet = [{ id: 'onboarding', running: 'onboarding-v2', active }];
      expect(indicator([], { fleet }).check().policies).toEqual({
        status: 'up',
        loaded: { onboarding: 'onboarding-v1' },
        refused: [],
        fleet: { onboarding: { running: 'onboarding-v2', active: 'onboarding-v2', revision: 2 } },
      });
    });

    it('stays up while a switch is within the grace period', () => {
      expect(indicator([], { fleet: [behindSince(FLEET_SYNC_GRACE_MS - 1)] }).check().policies.status).toBe('up');
    });

    it('is down, naming both versions, once this instance has run another version for the grace period', () => {
      expect(indicator([], { fleet: [behindSince(FLEET_SYNC_GRACE_MS)] }).check().policies).toMatchObject({
        status: 'down',
        fleet: { onboarding: { running: 'onboarding-v1', active: 'onboarding-v2', revision: 2 } },
        message: expect.stringContaining("policy onboarding: this instance runs onboarding-v1, the fleet's active version is onboarding-v2 (revision 2)"),
      });
    });
  });
});
