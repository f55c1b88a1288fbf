import { realpathSync } from 'node:fs';
import { basename, dirname, join, relative } from 'node:path';
import { AppConfig, validateConfig } from '../src/config/app-config';
import { PolicyRegistry } from '../src/policies/policy.registry';
import { digests, LIVE_RULES_DIR, starterRulesDir, starterRulesManifest, STARTER_RULES_ENV } from './support/starter-rules';
import { startTestApp, TestApp } from './support/test-app';

/**
 * Tests read the starter policies from the snapshot jest's globalSetup made at the start of the
 * run, never from the live rules/ folder: editing a shipped policy while `npm test` runs must
 * not fail unrelated tests.
 */
describe('the starter policies snapshot (test harness)', () => {
  const inside = (dir: string, file: string) => !relative(dir, file).startsWith('..');

  it('is a folder outside the repository, distinct from rules/', () => {
    const snapshot = realpathSync(starterRulesDir());
    const repository = realpathSync(dirname(LIVE_RULES_DIR));
    expect(snapshot).not.toBe(realpathSync(LIVE_RULES_DIR));
    expect(inside(repository, snapshot)).toBe(false);
  });

  it('holds the starter files as copied at the start of the run, unchanged since', () => {
    const manifest = starterRulesManifest();
    expect(Object.keys(manifest)).toEqual(expect.arrayContaining(['onboarding.json', 'onboarding.cases.json', 'p2p_recipient.json', 'account_recovery.json']));
    // A test that edits the snapshot in place (instead of its own copy) makes this fail.
    expect(digests(starterRulesDir())).toEqual(manifest);
  });

  it('is what the test app, child processes and the policy CLI are given as RULES_DIR', async () => {
    // The config default stays the repository's folder; only the tests point elsewhere.
    expect(validateConfig({}).RULES_DIR).toBe(LIVE_RULES_DIR);
    // Inherited by child processes started with process.env, and read by the policy CLI.
    expect(process.env.RULES_DIR).toBe(starterRulesDir());
    let t: TestApp | undefined;
    try {
      t = await startTestApp();
      expect(t.app.get(AppConfig).RULES_DIR).toBe(starterRulesDir());
      const files = t.app.get(PolicyRegistry).list().map((policy) => policy.file);
      expect(files.length).toBeGreaterThan(0);
      for (const file of files) expect(file).toBe(join(starterRulesDir(), basename(file)));
    } finally {
      await t?.close();
    }
  });

  it('fails loudly when globalSetup did not run', () => {
    const saved = starterRulesDir();
    try {
      delete process.env[STARTER_RULES_ENV];
      expect(() => starterRulesDir()).toThrow(/LINETRUST_TEST_RULES_DIR is not set: run the tests through jest/);
      process.env[STARTER_RULES_ENV] = join(saved, 'missing');
      expect(() => starterRulesDir()).toThrow(/which is not a folder/);
    } finally {
      process.env[STARTER_RULES_ENV] = saved;
    }
  });
});
