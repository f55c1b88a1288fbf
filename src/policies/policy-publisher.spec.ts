import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Logger } from '@nestjs/common';
import { InvalidArgumentError, NotFoundError } from '../common/errors/domain.error';
import { FixedClock } from '../common/time/clock';
import { starterRulesDir } from '../../test/support/starter-rules';
import { ActivePolicyRepository } from './active-policy.repository';
import { PolicyPublisher, PolicyPublishRefusedError } from './policy-publisher';

const NOW = new Date('2026-06-15T12:00:00Z');
const text = readFileSync(join(starterRulesDir(), 'onboarding.json'), 'utf8');
const cases = () => JSON.parse(readFileSync(join(starterRulesDir(), 'onboarding.cases.json'), 'utf8')) as { policy: string; cases: { name: string; expect: object }[] };

describe('PolicyPublisher', () => {
  beforeAll(() => Logger.overrideLogger(false));

  /** `null`: the version was never stored (the repository answers undefined). */
  function build(revision: number | null = 4) {
    const actives = { activate: jest.fn(async () => revision ?? undefined) };
    return { actives, publisher: new PolicyPublisher(actives as unknown as ActivePolicyRepository, new FixedClock(NOW)) };
  }

  it('stores and activates a valid version whose cases pass, as the one who asked', async () => {
    const { publisher, actives } = build();
    const published = await publisher.publish('onboarding', text, cases(), 'key:abc');
    expect(published).toEqual({ policyId: 'onboarding', version: expect.stringMatching(/^[0-9a-f]{16}$/), revision: 4 });
    expect(actives.activate).toHaveBeenCalledWith({ policyId: 'onboarding', version: published.version, content: text, by: 'key:abc', at: NOW });
  });

  it.each([
    ['invalid JSON', '{ "id": "onboarding", ', [{ path: '$', message: expect.stringContaining('not valid JSON') }]],
    ['another id than the path', text.replace('"id": "onboarding"', '"id": "payout"'), [expect.objectContaining({ path: '$.id' })]],
  ])('refuses %s with each problem and its path, storing nothing', async (_what, body, problems) => {
    const { publisher, actives } = build();
    const refused = await publisher.publish('onboarding', body, undefined, 'cli').catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(PolicyPublishRefusedError);
    expect(refused).toBeInstanceOf(InvalidArgumentError);
    expect((refused as PolicyPublishRefusedError).problems).toEqual(problems);
    expect(actives.activate).not.toHaveBeenCalled();
  });

  it('refuses a version whose case fails, naming the case and why, storing nothing', async () => {
    const { publisher, actives } = build();
    const failing = cases();
    failing.cases[1].expect = { outcome: 'BLOCK' };
    const refused = (await publisher.publish('onboarding', text, failing, 'cli').catch((error: unknown) => error)) as PolicyPublishRefusedError;
    expect(refused.problems).toEqual([{ path: `cases[1] "${failing.cases[1].name}"`, message: 'outcome ALLOW, expected BLOCK' }]);
    expect(refused.message).toContain(`cases[1] "${failing.cases[1].name}": outcome ALLOW, expected BLOCK`);
    expect(actives.activate).not.toHaveBeenCalled();
  });

  it.each([
    ['not a cases document', { tests: [] }, 'cases'],
    ["another policy's cases", { policy: 'payout', cases: [] }, 'cases.policy'],
  ])('refuses %s', async (_what, document, path) => {
    const { publisher } = build();
    const refused = (await publisher.publish('onboarding', text, document, 'cli').catch((error: unknown) => error)) as PolicyPublishRefusedError;
    expect(refused.problems).toEqual([expect.objectContaining({ path })]);
  });

  it('activates a stored version (a rollback), and answers 404 for one never stored', async () => {
    expect(await build(7).publisher.activate('onboarding', '602dfb1eceb0c25e', 'cli')).toEqual({ policyId: 'onboarding', version: '602dfb1eceb0c25e', revision: 7 });
    const missing = await build(null).publisher.activate('onboarding', '602dfb1eceb0c25e', 'cli').catch((error: unknown) => error);
    expect(missing).toBeInstanceOf(NotFoundError);
    expect((missing as Error).message).toBe('policy onboarding has no stored version 602dfb1eceb0c25e');
  });

  it('never echoes a malformed id or version in a 404', async () => {
    const { publisher, actives } = build();
    const missing = await publisher.activate('../etc', 'x', 'cli').catch((error: unknown) => error);
    expect((missing as Error).message).toBe('policy version not found');
    expect(actives.activate).not.toHaveBeenCalled();
  });
});
