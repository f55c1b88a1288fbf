import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';

/**
 * The starter policies as they were when the test run began. Jest's globalSetup copies the
 * repository's `rules/*.json` (policies, their `.cases.json`, candidates) once into a fresh
 * temporary folder; every test and spec reads that copy, never `rules/` itself, so a user who
 * edits a shipped policy while `npm test` runs does not fail unrelated tests.
 */

/** The variable globalSetup sets for the workers (jest hands them its process.env). */
export const STARTER_RULES_ENV = 'LINETRUST_TEST_RULES_DIR';

/** The repository's live policy folder: tests must not read it. */
export const LIVE_RULES_DIR = join(__dirname, '..', '..', 'rules');

const PREFIX = 'linetrust-test-rules-';

/** The snapshot's folder; throws when jest's globalSetup did not make one. */
export function starterRulesDir(): string {
  const dir = process.env[STARTER_RULES_ENV];
  if (!dir || !statSync(dir, { throwIfNoEntry: false })?.isDirectory()) {
    throw new Error(
      `${STARTER_RULES_ENV} ${dir ? `names ${dir}, which is not a folder` : 'is not set'}: run the tests through jest (npm test), whose globalSetup (test/support/global-setup.ts) snapshots rules/`,
    );
  }
  return dir;
}

/** A starter file of the snapshot, parsed (`name` as in rules/, e.g. `onboarding.json`). */
export function starterRule<T = any>(name: string): T {
  return JSON.parse(readFileSync(join(starterRulesDir(), name), 'utf8')) as T;
}

/** The sha256 of each file in `dir` (by name). */
export function digests(dir: string): Record<string, string> {
  return Object.fromEntries(
    readdirSync(dir)
      .sort()
      .map((name) => [name, createHash('sha256').update(readFileSync(join(dir, name))).digest('hex')]),
  );
}

/** What globalSetup copied: the sha256 of each file, recorded beside (not in) the snapshot. */
export function starterRulesManifest(): Record<string, string> {
  return JSON.parse(readFileSync(join(dirname(starterRulesDir()), 'manifest.json'), 'utf8')) as Record<string, string>;
}

/** Copies `from`'s `*.json` files into a new temporary folder; returns the folder. */
export function snapshotStarterRules(from = LIVE_RULES_DIR): string {
  const root = mkdtempSync(join(tmpdir(), PREFIX));
  const dir = join(root, 'rules');
  mkdirSync(dir);
  for (const name of readdirSync(from)) {
    if (name.endsWith('.json') && !name.startsWith('.') && statSync(join(from, name)).isFile()) copyFileSync(join(from, name), join(dir, name));
  }
  writeFileSync(join(root, 'manifest.json'), JSON.stringify(digests(dir), null, 2));
  return dir;
}

/** Removes a folder made by snapshotStarterRules (and nothing else). */
export function removeStarterRules(dir: string): void {
  const root = dirname(dir);
  if (basename(dir) !== 'rules' || !basename(root).startsWith(PREFIX)) throw new Error(`not a starter rules snapshot: ${dir}`);
  rmSync(root, { recursive: true, force: true });
}
