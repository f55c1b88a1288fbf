import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CompiledPolicy } from './compiled-policy';
import { PolicyInvalidError } from './policy-invalid.error';
import { validatePolicyText } from './policy-validator';
import { POLICY_FILE } from './policy-files';

export { CANDIDATE_FILE, POLICY_FILE, POLICY_ID, policyIdOf } from './policy-files';

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
