// The policy CLI (`npm run policy -- <command>`, bin `linetrust-policy`): the risk analyst's tool.
//   validate [files]   check files against the schema and the semantic rules (default: rules/*.json)
//   test [files]       run each policy's <id>.cases.json beside it
//   explain <file>     what a policy asks the operator, and what each rule does
//   shadow <useCase>   a running service's shadow report (--url, default LINETRUST_URL or :3000)
//   backtest <file>    replay stored decisions (DATABASE_URL) against a candidate (--from, --to)
//   publish <file>     validate, run its cases, store and activate it for the fleet (DATABASE_URL)
//   activate <id> <version>  make a stored version the fleet's active one again (a rollback)
// Exit codes: 0 all good, 1 a test case failed, 2 a file is invalid or unreadable, 64 usage.
import { existsSync, readdirSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { PACKAGE_ROOT } from '../config/package-root';
import { validateConfig } from '../config/app-config';
import { BacktestService } from '../decisions/backtest.service';
import { DecisionRepository } from '../decisions/decision.repository';
import { PrismaService } from '../prisma/prisma.service';
import { BacktestReport } from '../scoring/backtest';
import { CompiledPolicy } from '../scoring/compiled-policy';
import { readCaseFile, runCaseFile } from '../scoring/policy-cases';
import { PolicyInvalidError } from '../scoring/policy-invalid.error';
import { loadPolicyFile, POLICY_FILE } from '../scoring/policy-loader';
import { explainPolicy } from '../scoring/policy-explainer';
import { CliOutput, option } from './cli-io';
import { activateCommand, publishCommand } from './policy-publish-cli';

export interface PolicyCliOutput extends CliOutput {
  /** Colour and symbols on a terminal, plain text otherwise (CI logs, pipes). */
  colour: boolean;
}

let out: PolicyCliOutput;
let colour = false;
const paint = (code: number) => (text: string) => (colour ? `\u001b[${code}m${text}\u001b[0m` : text);
const green = paint(32);
const red = paint(31);
const dim = paint(2);
const ok = () => (colour ? green('✓') : 'ok  ');
const fail = () => (colour ? red('✗') : 'FAIL');

function policyFiles(args: string[]): string[] {
  if (args.length > 0) return args.map((file) => resolve(file));
  const dir = process.env.RULES_DIR ?? join(PACKAGE_ROOT, 'rules');
  return readdirSync(dir)
    .filter((name) => POLICY_FILE.test(name))
    .sort()
    .map((name) => join(dir, name));
}

/** Loads each file; prints the problems of the invalid ones. */
function load(files: string[]): { policies: CompiledPolicy[]; invalid: number } {
  const policies: CompiledPolicy[] = [];
  let invalid = 0;
  for (const file of files) {
    try {
      policies.push(loadPolicyFile(file));
    } catch (error) {
      invalid += 1;
      if (!(error instanceof PolicyInvalidError)) throw error;
      out.line(`${fail()} ${error.file}`);
      for (const problem of error.problems) out.line(`    ${problem.path}: ${problem.message}`);
    }
  }
  return { policies, invalid };
}

function validate(args: string[]): number {
  const files = policyFiles(args);
  const { policies, invalid } = load(files);
  for (const policy of policies) out.line(`${ok()} ${policy.file} ${dim(`(${policy.id}, version ${policy.version}, ${policy.ruleNames.length} rules)`)}`);
  out.line(`${policies.length} valid, ${invalid} invalid`);
  return invalid > 0 ? 2 : 0;
}

async function test(args: string[]): Promise<number> {
  // Case files given directly run against the policy beside them.
  const files = policyFiles(args.map((file) => file.replace(/\.cases\.json$/, '.json')));
  const { policies, invalid } = load(files);
  let passed = 0;
  let failed = 0;
  let missing = 0;
  for (const policy of policies) {
    const caseFile = join(dirname(policy.file), `${policy.id}.cases.json`);
    if (!existsSync(caseFile)) {
      missing += 1;
      out.line(`${fail()} ${policy.id}: no test cases (${basename(caseFile)})`);
      continue;
    }
    const cases = readCaseFile(caseFile);
    if (cases.policy !== policy.id) {
      failed += 1;
      out.line(`${fail()} ${basename(caseFile)} tests "${cases.policy}", not ${policy.id}`);
      continue;
    }
    out.line(`${policy.id} ${dim(`(${basename(caseFile)})`)}`);
    for (const result of await runCaseFile(policy, cases)) {
      if (result.passed) passed += 1;
      else failed += 1;
      out.line(`  ${result.passed ? ok() : fail()} ${result.name}`);
      for (const problem of result.problems) out.line(`      ${red(problem)}`);
    }
  }
  out.line(`${passed} passed, ${failed} failed`);
  if (invalid > 0) return 2;
  // Nothing tested is not a pass: a CI step must not go green on an empty folder.
  if (passed + failed === 0) out.line(`${fail()} no test case ran`);
  return failed > 0 || missing > 0 || passed + failed === 0 ? 1 : 0;
}

function explain(args: string[]): number {
  if (args.length !== 1) return usage();
  const { policies } = load([resolve(args[0])]);
  if (policies.length === 0) return 2;
  out.line(explainPolicy(policies[0].document, policies[0].version));
  return 0;
}

interface ShadowReportBody {
  activeVersion: string;
  candidates: { version: string; running: boolean; decisions: number; agreement: number; matrix: Record<string, Record<string, number>> }[];
}

/** The shadow report of a running service: how a candidate would have decided live traffic. */
async function shadow(args: string[]): Promise<number> {
  const urlAt = args.indexOf('--url');
  const base = urlAt >= 0 ? args[urlAt + 1] : (process.env.LINETRUST_URL ?? 'http://127.0.0.1:3000');
  const useCase = args.find((arg, i) => !arg.startsWith('--') && !args[i - 1]?.startsWith('--'));
  if (!useCase || !base) return usage();
  const key = option(args, '--key') ?? process.env.LINETRUST_API_KEY;
  const headers: Record<string, string> = key ? { authorization: `Bearer ${key}` } : {};
  const response = await fetch(`${base.replace(/\/$/, '')}/v1/policies/${encodeURIComponent(useCase)}/shadow`, { headers });
  const body = (await response.json()) as ShadowReportBody & { message?: string };
  if (!response.ok) {
    out.error(`${response.status}: ${body.message ?? 'request failed'}`);
    return 2;
  }
  out.line(`${useCase}: active version ${body.activeVersion}`);
  if (body.candidates.length === 0) out.line('no shadow candidate has run');
  const actions = ['ALLOW', 'CHALLENGE', 'REVIEW', 'BLOCK'];
  for (const candidate of body.candidates) {
    out.line('');
    out.line(`candidate ${candidate.version}${candidate.running ? ' (running)' : ''}: ${candidate.decisions} decisions, agreement ${(candidate.agreement * 100).toFixed(1)}%`);
    out.line(`  ${'active \\ candidate'.padEnd(20)}${actions.map((a) => a.padStart(10)).join('')}`);
    for (const from of actions) {
      out.line(`  ${from.padEnd(20)}${actions.map((to) => String(candidate.matrix[from][to]).padStart(10)).join('')}`);
    }
  }
  return 0;
}

function printBacktest(report: BacktestReport): void {
  const actions = ['ALLOW', 'CHALLENGE', 'REVIEW', 'BLOCK'] as const;
  out.line(`${report.policyId}: candidate ${report.candidateVersion} replayed on ${report.decisions} stored decisions, ${report.replayable} fully replayable`);
  if (report.inputsRefused.count > 0) {
    const fields = [...new Set(report.inputsRefused.examples.flatMap((e) => e.fields))].join(', ');
    out.line(`  ${report.inputsRefused.count} not replayed: the candidate's inputs refuse their context (${fields}; e.g. ${report.inputsRefused.examples.slice(0, 3).map((e) => e.id).join(', ')})`);
  }
  out.line(`  ${'stored \\ candidate'.padEnd(20)}${actions.map((a) => a.padStart(10)).join('')}`);
  for (const from of actions) out.line(`  ${from.padEnd(20)}${actions.map((to) => String(report.matrix[from][to]).padStart(10)).join('')}`);
  out.line('');
  out.line(`  ${'rule'.padEnd(32)}${'before'.padStart(8)}${'after'.padStart(8)}${'not replayable'.padStart(16)}`);
  for (const rule of report.rules) {
    out.line(`  ${rule.rule.padEnd(32)}${String(rule.before).padStart(8)}${String(rule.after).padStart(8)}${String(rule.notReplayable).padStart(16)}`);
  }
  if (report.labels) {
    out.line('');
    out.line(`  labelled decisions: ${report.labels.labelled}`);
    const pct = (n: number | null) => (n === null ? '-' : `${(n * 100).toFixed(1)}%`);
    for (const action of actions) {
      const b = report.labels.before[action];
      const a = report.labels.after[action];
      out.line(`  ${action.padEnd(10)} precision ${pct(b.precision)} -> ${pct(a.precision)}   recall ${pct(b.recall)} -> ${pct(a.recall)}`);
    }
  }
  out.line('');
  out.line(`  ${report.changedCount} decisions change outcome${report.changed.length ? `, e.g. ${report.changed.slice(0, 5).map((c) => `${c.id} ${c.before}->${c.after}`).join(', ')}` : ''}`);
}

/** Replays the stored decisions of DATABASE_URL (the service's configuration) against a candidate. */
async function backtest(args: string[]): Promise<number> {
  const file = args.find((arg, i) => !arg.startsWith('--') && !args[i - 1]?.startsWith('--'));
  if (!file) return usage();
  const from = option(args, '--from');
  const to = option(args, '--to');
  // Only the database: not the service's policies, whose loading would record versions that
  // never decided anything.
  const prisma = new PrismaService(validateConfig(process.env));
  await prisma.onModuleInit();
  try {
    const progress = process.stderr.isTTY
      ? (done: number, total: number) => process.stderr.write(`\r  replayed ${done} / ${total}`)
      : undefined;
    const backtests = new BacktestService(new DecisionRepository(prisma));
    const report = await backtests.run(resolve(file), { from: from ? new Date(from) : undefined, to: to ? new Date(to) : undefined }, progress);
    if (progress) process.stderr.write('\n');
    printBacktest(report);
    return 0;
  } finally {
    await prisma.onModuleDestroy();
  }
}

function usage(): number {
  out.error('usage: npm run policy -- validate [files] | test [files] | explain <file> | shadow <useCase> [--url http://host:port] [--key <API key with policies:read>, or LINETRUST_API_KEY] | backtest <candidate file> [--from ISO] [--to ISO] | publish <file> | activate <policyId> <version>');
  return 64;
}

/** Runs one CLI command; resolves to the exit code. */
export async function runPolicyCli(argv: string[], output: PolicyCliOutput): Promise<number> {
  out = output;
  colour = output.colour;
  const [command, ...args] = argv;
  try {
    switch (command) {
      case 'validate':
        return validate(args);
      case 'test':
        return await test(args);
      case 'explain':
        return explain(args);
      case 'shadow':
        return await shadow(args);
      case 'backtest':
        return await backtest(args);
      case 'publish':
        return args.length === 1 ? await publishCommand(args, out) : usage();
      case 'activate':
        return args.length === 2 ? await activateCommand(args, out) : usage();
      default:
        return usage();
    }
  } catch (error) {
    out.error(error instanceof Error ? error.message : String(error));
    return 2;
  }
}
