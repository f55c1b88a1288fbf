import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runPolicyCli } from '../src/cli/policy-cli';
import { starterRulesDir } from './support/starter-rules';

/** The policy CLI as a CI pipeline uses it: exit codes and plain output. */
describe('policy CLI', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'linetrust-cli-'));
    cpSync(starterRulesDir(), dir, { recursive: true });
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  async function run(...argv: string[]) {
    const lines: string[] = [];
    const code = await runPolicyCli(argv, { line: (t) => lines.push(t), error: (t) => lines.push(t), colour: false });
    return { code, output: lines.join('\n') };
  }
  const edit = (name: string, change: (json: any) => void) => {
    const file = join(dir, name);
    const json = JSON.parse(readFileSync(file, 'utf8'));
    change(json);
    writeFileSync(file, JSON.stringify(json));
    return file;
  };

  it('validate: 0 and a summary line for valid files', async () => {
    const { code, output } = await run('validate', join(dir, 'onboarding.json'), join(dir, 'p2p_recipient.json'));
    expect(code).toBe(0);
    expect(output).toMatch(/^ok {3}.*onboarding\.json \(onboarding, version [0-9a-f]{16}, 6 rules\)$/m);
    expect(output).toMatch(/^2 valid, 0 invalid$/m);
  });

  it('validate: 2, with the file, the path and the reason, for a broken file', async () => {
    const file = edit('onboarding.json', (json) => (json.rules[0].event.type = 'DENY'));
    const { code, output } = await run('validate', file);
    expect(code).toBe(2);
    expect(output).toContain(`FAIL ${file}`);
    expect(output).toMatch(/\$\.rules\[0\]\.event\.type: must be one of "ALLOW", "CHALLENGE", "REVIEW", "BLOCK"/);
    expect(output).toMatch(/^0 valid, 1 invalid$/m);
  });

  it('test: 0 when every case passes, with a passed/failed summary', async () => {
    const { code, output } = await run('test', join(dir, 'account_recovery.json'));
    expect(code).toBe(0);
    expect(output).toMatch(/^ {2}ok {3}a number recycled since trustedSince is blocked$/m);
    expect(output).toMatch(/^9 passed, 0 failed$/m);
  });

  it('test: 1, naming the case and what differed, when a policy change breaks a case', async () => {
    edit('account_recovery.json', (json) => Object.assign(json.rules[0].event, { type: 'REVIEW', params: { ...json.rules[0].event.params, score: 10 } }));
    const { code, output } = await run('test', join(dir, 'account_recovery.cases.json'));
    expect(code).toBe(1);
    expect(output).toMatch(/FAIL a number recycled since trustedSince is blocked\n\s+outcome REVIEW, expected BLOCK/);
  });

  it('explain: the operator questions a policy asks, and its rules', async () => {
    const { code, output } = await run('explain', join(dir, 'account_recovery.json'));
    expect(code).toBe(0);
    expect(output).toContain("Number Recycling check, specifiedDate = the request's trustedSince");
    expect(output).toContain('SIM Swap check, maxAge 24 h');
    expect(output).toMatch(/number-recycled \[priority 10\]: BLOCK NUMBER_RECYCLED_SINCE_TRUSTED \(\+100\)/);
  });

  it('explain: the request inputs a policy declares', async () => {
    const p2p = await run('explain', join(dir, 'p2p_recipient.json'));
    expect(p2p.code).toBe(0);
    expect(p2p.output).toContain('Request inputs (context; any other field is refused):');
    expect(p2p.output).toContain('  - context.amount: integer, in minor units of the currency, >= 1, <= 100000000000; required');
    expect(p2p.output).toContain('  - context.currency: string, one of "EUR", "GBP", "USD"; required');
    expect((await run('explain', join(dir, 'onboarding.json'))).output).toContain('Request inputs: none (any other field is refused).');
  });

  it('64 for an unknown command', async () => {
    expect((await run('publish')).code).toBe(64);
  });
});
