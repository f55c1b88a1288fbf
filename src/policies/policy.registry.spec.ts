import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Logger } from '@nestjs/common';
import { FixedClock } from '../common/time/clock';
import { validateConfig } from '../config/app-config';
import { CompiledPolicy } from '../scoring/compiled-policy';
import { starterRulesDir } from '../../test/support/starter-rules';
import { ActivePolicyRepository, ActivePolicyRow } from './active-policy.repository';
import { PolicyChangeFeed } from './policy-change.feed';
import { PolicyRegistry } from './policy.registry';
import { PolicyVersionRepository, StoredPolicyVersion } from './policy-version.repository';

const NOW = new Date('2026-06-15T12:00:00Z');
const PRISMA_TEXT = '\nInvalid `prisma.$executeRaw()` invocation in\n/srv/linetrust/src/policies/policy-version.repository.ts:24:5\n\nServer has closed the connection.';

describe('PolicyRegistry', () => {
  let rules: string;
  let seedText: string;
  beforeAll(() => Logger.overrideLogger(false));
  beforeEach(() => {
    rules = mkdtempSync(join(tmpdir(), 'linetrust-registry-'));
    copyFileSync(join(starterRulesDir(), 'onboarding.json'), join(rules, 'onboarding.json'));
    seedText = readFileSync(join(rules, 'onboarding.json'), 'utf8');
  });
  afterEach(() => rmSync(rules, { recursive: true, force: true }));

  /** A stored version of onboarding with another description: another version, valid. */
  function variant(description: string): { text: string; version: string } {
    const text = JSON.stringify({ ...JSON.parse(seedText), description }, null, 2);
    return { text, version: new CompiledPolicy(JSON.parse(text), 'onboarding.json', text).version };
  }

  function build(source: 'files' | 'database') {
    const stored = new Map<string, StoredPolicyVersion>();
    const rows: ActivePolicyRow[] = [];
    const versions = {
      record: jest.fn(async (policyId: string, version: string, content: string, at: Date) => void stored.set(version, { policyId, version, content, firstLoadedAt: at })),
      find: jest.fn(async (_id: string, version: string) => stored.get(version)),
    };
    const actives = {
      seed: jest.fn(async (policyId: string, version: string, at: Date) => {
        if (rows.some((row) => row.policyId === policyId)) return false;
        rows.push({ policyId, version, activatedAt: at, activatedBy: 'seed', revision: 1 });
        return true;
      }),
      list: jest.fn(async () => rows.map((row) => ({ ...row }))),
    };
    const feed = { start: jest.fn(async () => undefined) };
    const clock = new FixedClock(NOW);
    const config = validateConfig({ RULES_DIR: rules, POLICY_SOURCE: source, POLICY_RELOAD: 'false' });
    const registry = new PolicyRegistry(
      config,
      versions as unknown as PolicyVersionRepository,
      actives as unknown as ActivePolicyRepository,
      feed as unknown as PolicyChangeFeed,
      clock,
    );
    const activate = (version: string, text?: string) => {
      if (text) stored.set(version, { policyId: 'onboarding', version, content: text, firstLoadedAt: clock.now() });
      const row = rows.find((r) => r.policyId === 'onboarding')!;
      Object.assign(row, { version, revision: row.revision + 1, activatedBy: 'cli' });
    };
    return { registry, versions, actives, feed, clock, activate };
  }

  describe('with POLICY_SOURCE=files', () => {
    it('refuses a version it cannot store with a short reason, never the database text, and keeps serving', async () => {
      const { registry, versions } = build('files');
      await registry.onModuleInit();
      const serving = registry.get('onboarding').version;
      versions.record.mockRejectedValueOnce(new Error(PRISMA_TEXT));
      writeFileSync(join(rules, 'onboarding.json'), variant('edited').text);

      await registry.reload(join(rules, 'onboarding.json'));

      expect(registry.get('onboarding').version).toBe(serving);
      const [refusal] = registry.refused();
      expect(refusal.problems).toEqual([{ path: '$', message: expect.stringContaining('could not be stored') }]);
      expect(JSON.stringify(refusal)).not.toMatch(/prisma|invocation|\/srv\//i);
    });

    it('stores every version at start-up and reports no fleet', async () => {
      const { registry, versions, actives } = build('files');
      await registry.onModuleInit();
      expect(versions.record).toHaveBeenCalledWith('onboarding', registry.get('onboarding').version, seedText, NOW);
      expect(actives.seed).not.toHaveBeenCalled();
      expect(registry.fleetStates()).toEqual([]);
    });
  });

  describe('with POLICY_SOURCE=database', () => {
    it('seeds a use case the table lacks from RULES_DIR, and serves what the table names', async () => {
      const { registry, actives, feed } = build('database');
      await registry.onModuleInit();
      expect(actives.seed).toHaveBeenCalledWith('onboarding', registry.get('onboarding').version, NOW);
      expect(feed.start).toHaveBeenCalledTimes(1);
      expect(registry.fleetStates()).toEqual([{ id: 'onboarding', running: registry.get('onboarding').version, active: expect.objectContaining({ revision: 1 }), mismatchSince: undefined }]);
    });

    it('switches to the active version the table names when told to look, and back', async () => {
      const { registry, activate } = build('database');
      await registry.onModuleInit();
      const seeded = registry.get('onboarding');
      const next = variant('next');
      activate(next.version, next.text);

      await registry.sync();
      expect(registry.get('onboarding').version).toBe(next.version);
      activate(seeded.version);
      await registry.sync();
      expect(registry.get('onboarding').version).toBe(seeded.version);
      expect(registry.fleetStates()[0]).toMatchObject({ running: seeded.version, active: { revision: 3 }, mismatchSince: undefined });
    });

    it('keeps serving when the active version cannot be loaded, tries it once, and records since when it differs', async () => {
      const { registry, activate, versions, clock } = build('database');
      await registry.onModuleInit();
      const serving = registry.get('onboarding').version;
      activate('00000000000000aa', '{ "id": "onboarding", "rules": "broken" }');

      await registry.sync();
      clock.set(new Date(NOW.getTime() + 5000));
      await registry.sync();

      expect(registry.get('onboarding').version).toBe(serving);
      expect(versions.find.mock.calls.filter(([, version]) => version === '00000000000000aa')).toHaveLength(1);
      expect(registry.fleetStates()[0]).toMatchObject({ running: serving, active: { version: '00000000000000aa' }, mismatchSince: NOW });
      expect(registry.refused()[0].problems[0]).toMatchObject({ path: '$.rules' });

      const fixed = variant('fixed');
      activate(fixed.version, fixed.text);
      await registry.sync();
      expect(registry.fleetStates()[0]).toMatchObject({ running: fixed.version, mismatchSince: undefined });
      expect(registry.refused()).toEqual([]);
    });

    it('coalesces look-ups asked for while one runs into one more, so none is lost', async () => {
      const { registry, actives, activate } = build('database');
      await registry.onModuleInit();
      actives.list.mockClear();
      const next = variant('coalesced');
      const first = registry.sync();
      activate(next.version, next.text);
      await Promise.all([first, registry.sync(), registry.sync(), registry.sync()]);
      expect(actives.list).toHaveBeenCalledTimes(2);
      expect(registry.get('onboarding').version).toBe(next.version);
    });
  });
});
