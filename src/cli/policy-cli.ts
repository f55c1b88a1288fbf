// `linetrust policy <command>` (alias `npm run policy -- ...`, bin `linetrust-policy`): the risk
// analyst's tool. validate, test and explain work on files; shadow asks a running service;
// backtest, publish and activate work on the database of DATABASE_URL.
// Exit codes: 0 all good, 1 a test case failed, 2 a file is invalid or unreadable, 64 usage.
import { existsSync, readdirSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { PACKAGE_ROOT } from '../config/package-root';
import { CaseResult, readCaseFile, runCaseFile } from '../scoring/policy-cases';
import { CompiledPolicy } from '../scoring/compiled-policy';
import { PolicyInvalidError, PolicyProblem } from '../scoring/policy-invalid.error';
import { loadPolicyFile, POLICY_FILE } from '../scoring/policy-loader';
import { explainPolicy } from '../scoring/policy-explainer';
import { CliEnv, CliOutput } from './cli-io';
import { CliContext, CommandGroup, EXIT } from './command';
import { runCli } from './linetrust-cli';
import { activateCommand, publishCommand } from './policy-publish-cli';
import { backtestCommand, shadowCommand } from './policy-remote-cli';

export interface PolicyCliOutput extends CliOutput {
  colour: boolean;
}

/** Colour and symbols on a terminal, plain text for CI logs and pipes. */
export function style(context: CliContext) {
  const paint = (code: number) => (text: string) => (context.colour ? `\u001b[${code}m${text}\u001b[0m` : text);
  const red = paint(31);
  return { red, dim: paint(2), ok: context.colour ? paint(32)('✓') : 'ok  ', fail: context.colour ? red('✗') : 'FAIL' };
}

function policyFiles(args: string[], env: CliEnv): string[] {
  if (args.length > 0) return args.map((file) => resolve(file));
  const dir = env.RULES_DIR ?? join(PACKAGE_ROOT, 'rules');
  return readdirSync(dir)
    .filter((name) => POLICY_FILE.test(name))
    .sort()
    .map((name) => join(dir, name));
}

interface Loaded {
  policies: CompiledPolicy[];
  invalid: { file: string; problems: PolicyProblem[] }[];
}

function load(files: string[]): Loaded {
  const loaded: Loaded = { policies: [], invalid: [] };
  for (const file of files) {
    try {
      loaded.policies.push(loadPolicyFile(file));
    } catch (error) {
      if (!(error instanceof PolicyInvalidError)) throw error;
      loaded.invalid.push({ file: error.file, problems: error.problems });
    }
  }
  return loaded;
}

function printInvalid(context: CliContext, invalid: Loaded['invalid']): void {
  const { fail } = style(context);
  for (const { file, problems } of invalid) {
    context.out.line(`${fail} ${file}`);
    for (const problem of problems) context.out.line(`    ${problem.path}: ${problem.message}`);
  }
}

async function validate(args: string[], context: CliContext): Promise<number> {
  const { policies, invalid } = load(policyFiles(args, context.env));
  const code = invalid.length > 0 ? EXIT.invalidFile : EXIT.ok;
  const valid = policies.map((policy) => ({ file: policy.file, id: policy.id, version: policy.version, rules: policy.ruleNames.length }));
  if (context.json) return (context.out.line(JSON.stringify({ valid, invalid })), code);
  const { ok, dim } = style(context);
  printInvalid(context, invalid);
  for (const policy of valid) context.out.line(`${ok} ${policy.file} ${dim(`(${policy.id}, version ${policy.version}, ${policy.rules} rules)`)}`);
  context.out.line(`${policies.length} valid, ${invalid.length} invalid`);
  return code;
}

interface TestedPolicy {
  id: string;
  caseFile: string;
  /** Why its cases did not run: no case file, or one that tests another policy. */
  problem?: string;
  results: Pick<CaseResult, 'name' | 'passed' | 'problems'>[];
}

async function test(args: string[], context: CliContext): Promise<number> {
  // Case files given directly run against the policy beside them.
  const { policies, invalid } = load(policyFiles(args.map((file) => file.replace(/\.cases\.json$/, '.json')), context.env));
  const tested: TestedPolicy[] = [];
  for (const policy of policies) {
    const caseFile = join(dirname(policy.file), `${policy.id}.cases.json`);
    const entry: TestedPolicy = { id: policy.id, caseFile, results: [] };
    tested.push(entry);
    if (!existsSync(caseFile)) {
      entry.problem = `no test cases (${basename(caseFile)})`;
      continue;
    }
    const cases = readCaseFile(caseFile);
    if (cases.policy !== policy.id) {
      entry.problem = `${basename(caseFile)} tests "${cases.policy}", not ${policy.id}`;
      continue;
    }
    entry.results = (await runCaseFile(policy, cases)).map(({ name, passed, problems }) => ({ name, passed, problems }));
  }
  const results = tested.flatMap((entry) => entry.results);
  const passed = results.filter((result) => result.passed).length;
  const failed = results.length - passed;
  // Nothing tested is not a pass: a CI step must not go green on an empty folder.
  const code = invalid.length > 0 ? EXIT.invalidFile : failed > 0 || tested.some((entry) => entry.problem) || results.length === 0 ? EXIT.failed : EXIT.ok;
  if (context.json) return (context.out.line(JSON.stringify({ policies: tested, invalid, passed, failed })), code);
  printTests(context, tested, invalid, passed, failed);
  return code;
}

function printTests(context: CliContext, tested: TestedPolicy[], invalid: Loaded['invalid'], passed: number, failed: number): void {
  const { ok, fail, dim, red } = style(context);
  printInvalid(context, invalid);
  for (const entry of tested) {
    if (entry.problem) {
      context.out.line(`${fail} ${entry.id}: ${entry.problem}`);
      continue;
    }
    context.out.line(`${entry.id} ${dim(`(${basename(entry.caseFile)})`)}`);
    for (const result of entry.results) {
      context.out.line(`  ${result.passed ? ok : fail} ${result.name}`);
      for (const problem of result.problems) context.out.line(`      ${red(problem)}`);
    }
  }
  context.out.line(`${passed} passed, ${failed} failed`);
  if (invalid.length === 0 && passed + failed === 0) context.out.line(`${fail} no test case ran`);
}

function explain(file: string, context: CliContext): number {
  const { policies, invalid } = load([resolve(file)]);
  printInvalid(context, invalid);
  if (policies.length === 0) return EXIT.invalidFile;
  context.out.line(explainPolicy(policies[0].document, policies[0].version));
  return EXIT.ok;
}

const FILES = 'Default: every policy in RULES_DIR (default rules/).';

export const policyCommands: CommandGroup = {
  name: 'policy',
  summary: 'check, test, explain, compare and publish policies (rules/*.json)',
  // An unreadable file, as before this CLI was one: 2.
  failureCode: EXIT.invalidFile,
  commands: [
    {
      name: 'validate',
      summary: 'check files against the schema and the semantic rules',
      args: '[files...]',
      positionals: { min: 0, max: Infinity },
      json: true,
      options: {},
      notes: [FILES, 'Exit 2 when a file is invalid. With --json: {"valid": [{file, id, version, rules}], "invalid": [{file, problems}]}.'],
      run: ({ positionals }, context) => validate(positionals, context),
    },
    {
      name: 'test',
      summary: "run each policy's <id>.cases.json beside it",
      args: '[files...]',
      positionals: { min: 0, max: Infinity },
      json: true,
      options: {},
      notes: [FILES, 'A case file given runs against the policy beside it. Exit 1 when a case fails or none ran, 2 when a file is invalid.'],
      run: ({ positionals }, context) => test(positionals, context),
    },
    {
      name: 'explain',
      summary: 'what a policy asks the operator, its inputs, and what each rule does',
      args: '<file>',
      positionals: { min: 1, max: 1 },
      options: {},
      run: async ({ positionals }, context) => explain(positionals[0], context),
    },
    shadowCommand,
    backtestCommand,
    publishCommand,
    activateCommand,
  ],
};

/** `linetrust policy <argv>`, as `npm run policy -- <argv>` runs it. */
export function runPolicyCli(argv: string[], output: PolicyCliOutput, env: CliEnv = process.env): Promise<number> {
  return runCli(['policy', ...argv], output, env);
}
