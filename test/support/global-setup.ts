import { snapshotStarterRules, STARTER_RULES_ENV } from './starter-rules';

/**
 * Jest's globalSetup: snapshots rules/ once for the whole run (see starter-rules.ts). The
 * workers start after this and inherit process.env: STARTER_RULES_ENV for the helpers, and
 * RULES_DIR, so that code reading the environment (the policy CLI, child processes started
 * with process.env) reads the snapshot too.
 */
export default function globalSetup(): void {
  const dir = snapshotStarterRules();
  process.env[STARTER_RULES_ENV] = dir;
  process.env.RULES_DIR = dir;
}
