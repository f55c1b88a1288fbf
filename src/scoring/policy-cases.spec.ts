import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { starterRulesDir } from '../../test/support/starter-rules';
import { runCaseFile, readCaseFile } from './policy-cases';
import { loadPolicyFolder } from './policy-loader';

/**
 * The shipped policies' test cases (rules/<id>.cases.json), run as the CLI runs them: from the
 * copy jest's globalSetup made at the start of the run, so an edit to rules/ mid-run does not matter.
 */
const RULES = starterRulesDir();
const policies = loadPolicyFolder(RULES);
const caseFiles = readdirSync(RULES).filter((name) => name.endsWith('.cases.json'));

describe('shipped policy cases', () => {
  it('every shipped policy has a case file', () => {
    expect(caseFiles.map((name) => name.replace('.cases.json', '')).sort()).toEqual([...policies.keys()].sort());
  });

  describe.each(caseFiles)('%s', (name) => {
    const file = readCaseFile(join(RULES, name));
    it.each(file.cases.map((c) => [c.name, c] as const))('%s', async (caseName) => {
      const policy = policies.get(file.policy);
      expect(policy).toBeDefined();
      const [result] = await runCaseFile(policy!, { ...file, cases: file.cases.filter((c) => c.name === caseName) });
      expect(result.problems).toEqual([]);
    });
  });
});
