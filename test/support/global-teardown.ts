import { removeStarterRules, STARTER_RULES_ENV } from './starter-rules';

/** Jest's globalTeardown: removes the snapshot globalSetup made. */
export default function globalTeardown(): void {
  const dir = process.env[STARTER_RULES_ENV];
  if (dir) removeStarterRules(dir);
}
