import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { starterRulesDir } from '../../test/support/starter-rules';
import { CompiledPolicy } from './compiled-policy';
import { PolicyInvalidError } from './policy-invalid.error';
import { loadPolicyFile, loadPolicyFolder, POLICY_FILE, PolicyFolderError } from './policy-loader';

/** The shipped policies, as copied from rules/ at the start of the run (jest's globalSetup). */
const RULES_DIR = starterRulesDir();

function validPolicy(id: string): object {
  return {
    id,
    rules: [
      {
        name: 'unknown-tenure',
        conditions: { all: [{ fact: 'tenure', params: { days: 30 }, path: '$.status', operator: 'notEqual', value: 'OK' }] },
        event: { type: 'CHALLENGE', params: { code: 'TENURE_UNVERIFIED', message: 'Tenure not verified.' } },
      },
    ],
  };
}

function folderError(dir: string): PolicyFolderError {
  try {
    loadPolicyFolder(dir);
  } catch (error) {
    expect(error).toBeInstanceOf(PolicyFolderError);
    return error as PolicyFolderError;
  }
  throw new Error('the folder was accepted');
}

describe('shipped policies (rules/)', () => {
  it('all load, one per use case: onboarding, p2p_recipient, account_recovery', () => {
    const policies = loadPolicyFolder(RULES_DIR);
    expect([...policies.keys()].sort()).toEqual(['account_recovery', 'onboarding', 'p2p_recipient']);
  });

  it.each(readdirSync(RULES_DIR).filter((name) => POLICY_FILE.test(name)))('%s is valid and named after its id', (name) => {
    const policy = loadPolicyFile(join(RULES_DIR, name));
    expect(policy).toBeInstanceOf(CompiledPolicy);
    expect(`${policy.id}.json`).toBe(name);
    expect(policy.file).toBe(join(RULES_DIR, name));
    expect(policy.ruleNames.length).toBeGreaterThan(0);
    expect(policy.version).toMatch(/^[0-9a-f]{16}$/);
  });
});

describe('loadPolicyFolder', () => {
  let dir: string;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'linetrust-policies-'));
  });

  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('loads every *.json file of a folder by id, ignoring other files', () => {
    writeFileSync(join(dir, 'alpha.json'), JSON.stringify(validPolicy('alpha')));
    writeFileSync(join(dir, 'beta.json'), JSON.stringify(validPolicy('beta')));
    writeFileSync(join(dir, 'README.md'), 'not a policy');
    const policies = loadPolicyFolder(dir);
    expect([...policies.keys()].sort()).toEqual(['alpha', 'beta']);
    expect(policies.get('beta')?.file).toBe(join(dir, 'beta.json'));
  });

  it('reports every broken file in one PolicyFolderError, with each file and path', () => {
    const broken = join(dir, 'broken.json');
    const misnamed = join(dir, 'misnamed.json');
    writeFileSync(join(dir, 'good.json'), JSON.stringify(validPolicy('good')));
    writeFileSync(broken, '{ "id": "broken", ');
    writeFileSync(misnamed, JSON.stringify(validPolicy('other_name')));

    const error = folderError(dir);
    expect(error.errors).toHaveLength(2);
    expect(error.errors.every((e) => e instanceof PolicyInvalidError)).toBe(true);
    expect(error.errors.map((e) => e.file).sort()).toEqual([broken, misnamed]);
    expect(error.message).toContain(`${broken}: invalid policy`);
    expect(error.message).toMatch(/^ {2}\$: not valid JSON/m);
    expect(error.message).toContain(`${misnamed}: invalid policy`);
    expect(error.message).toMatch(/^ {2}\$\.id: must equal the file name "misnamed"/m);
  });

  it('refuses an empty folder', () => {
    const error = folderError(dir);
    expect(error.message).toContain(dir);
    expect(error.message).toContain('no policy file');
  });

  it('refuses a folder with no *.json file', () => {
    writeFileSync(join(dir, 'onboarding.yaml'), 'id: onboarding');
    expect(folderError(dir).message).toContain('no policy file');
  });

  it('reports a file that cannot be read as invalid, naming it', () => {
    const missing = join(dir, 'missing.json');
    expect(() => loadPolicyFile(missing)).toThrow(PolicyInvalidError);
    expect(() => loadPolicyFile(missing)).toThrow(new RegExp(`^${missing.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: invalid policy\\n {2}\\$: cannot read`));
  });

  it('takes <id>.json files as policies, never their <id>.cases.json tests', () => {
    expect(['onboarding.json', 'p2p_recipient.json'].every((name) => POLICY_FILE.test(name))).toBe(true);
    expect(['onboarding.cases.json', 'Onboarding.json', 'notes.txt'].some((name) => POLICY_FILE.test(name))).toBe(false);
  });
});
