import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CompiledPolicy } from './compiled-policy';
import { PolicyInvalidError } from './policy-invalid.error';
import { validatePolicyText } from './policy-validator';

/** Reads, validates and compiles one policy file. Throws PolicyInvalidError. */
export function loadPolicyFile(file: string): CompiledPolicy {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new PolicyInvalidError(file, [{ path: '$', message: `cannot read: ${(error as Error).message}` }]);
  }
  return new CompiledPolicy(validatePolicyText(text, file), file, text);
}

/** `<policy id>.json`; ids have no dots, so `onboarding.cases.json` (its tests) is not a policy. */
export const POLICY_FILE = /^[a-z][a-z0-9_]{0,63}\.json$/;
/** `<policy id>.candidate.json`: a candidate run in shadow beside the active policy. */
export const CANDIDATE_FILE = /^[a-z][a-z0-9_]{0,63}\.candidate\.json$/;

export class PolicyFolderError extends Error {
  constructor(readonly errors: PolicyInvalidError[]) {
    super(errors.map((e) => e.message).join('\n'));
    this.name = 'PolicyFolderError';
  }
}

/**
 * Loads every `*.json` policy of a folder. All files are checked before anything is refused,
 * so one start-up shows every broken file at once.
 */
export function loadPolicyFolder(dir: string): Map<string, CompiledPolicy> {
  const files = readdirSync(dir)
    .filter((name) => POLICY_FILE.test(name))
    .sort();
  const policies = new Map<string, CompiledPolicy>();
  const errors: PolicyInvalidError[] = [];
  for (const name of files) {
    try {
      const policy = loadPolicyFile(join(dir, name));
      policies.set(policy.id, policy);
    } catch (error) {
      if (!(error instanceof PolicyInvalidError)) throw error;
      errors.push(error);
    }
  }
  if (errors.length > 0) throw new PolicyFolderError(errors);
  if (policies.size === 0) throw new PolicyFolderError([new PolicyInvalidError(dir, [{ path: '$', message: 'no policy file (*.json) in this folder' }])]);
  return policies;
}
