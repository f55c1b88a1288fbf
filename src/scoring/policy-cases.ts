import { readFileSync } from 'node:fs';
import { FixedClock } from '../common/time/clock';
import { DeviceSwapSandboxProvider } from '../signals/device-swap/device-swap.sandbox-provider';
import { NumberRecyclingSandboxProvider } from '../signals/number-recycling/number-recycling.sandbox-provider';
import { parseLineDataset } from '../signals/sandbox/line-dataset';
import { SandboxOperator } from '../signals/sandbox/sandbox-operator';
import { SimSwapSandboxProvider } from '../signals/sim-swap/sim-swap.sandbox-provider';
import { SIGNAL_STATUSES, SignalAnswer, SignalStatus } from '../signals/signal.types';
import { TenureSandboxProvider } from '../signals/tenure/tenure.sandbox-provider';
import { Action } from './actions';
import { CompiledPolicy } from './compiled-policy';
import { InputProblem, inputProblemsMessage } from './policy-inputs';
import { SignalCollector, SignalProviders } from './signal-collector';

/** A fact's answer as a case gives it: `status`, and the answer's fields when OK. */
type GivenAnswer = { status: SignalStatus } & Record<string, unknown>;

/** One case of a policy's test file: a request, what the operator says, what must come out. */
export interface PolicyCase {
  name: string;
  request: { phoneNumber?: string; trustedSince?: string; context?: Record<string, unknown> };
  /** The operator's answers as a sandbox line (same format as the dataset)... */
  line?: Record<string, unknown>;
  /** ...or per signal fact, the same answer whatever the rule's parameter. */
  signals?: Partial<Record<'tenure' | 'numberRecycling' | 'simSwap' | 'deviceSwap', GivenAnswer>>;
  /** The outcome... or, for a context the policy's inputs refuse, the fields the refusal names. */
  expect: { outcome?: Action; reasons?: string[]; score?: number; refused?: string[] };
}

export interface PolicyCaseFile {
  policy: string;
  /** The moment the cases run at (relative dates in `line` resolve against it). */
  now?: string;
  cases: PolicyCase[];
}

export interface CaseResult {
  name: string;
  passed: boolean;
  problems: string[];
  actual: { outcome: Action; score: number; reasons: string[] } | { refused: string[] };
}

const DEFAULT_NUMBER = '+34699000001';
const DEFAULT_NOW = '2026-06-15T12:00:00Z';

function givenAnswer(given: GivenAnswer | undefined, signal: string): SignalAnswer<object> {
  if (!given) return { status: 'UNAVAILABLE', reason: `the case gives no ${signal} answer` };
  if (!SIGNAL_STATUSES.includes(given.status)) throw new Error(`${signal}.status must be one of ${SIGNAL_STATUSES.join(', ')}`);
  const { status, ...fields } = given;
  return status === 'OK' ? { status, value: fields } : { status, reason: `given by the case: ${status}` };
}

function providersFor(testCase: PolicyCase, phoneNumber: string, clock: FixedClock): SignalProviders {
  if (testCase.line) {
    const lines = parseLineDataset({ lines: [{ ...testCase.line, phoneNumber }] }, `case "${testCase.name}"`, clock.now());
    const operator = new SandboxOperator(lines, clock);
    return {
      tenure: new TenureSandboxProvider(operator),
      numberRecycling: new NumberRecyclingSandboxProvider(operator),
      simSwap: new SimSwapSandboxProvider(operator),
      deviceSwap: new DeviceSwapSandboxProvider(operator),
    };
  }
  const given = testCase.signals ?? {};
  const answer = (signal: keyof NonNullable<PolicyCase['signals']>) => async () => givenAnswer(given[signal], signal);
  return {
    tenure: { checkTenure: answer('tenure') },
    numberRecycling: { check: answer('numberRecycling') },
    simSwap: { check: answer('simSwap'), retrieveDate: answer('simSwap') },
    deviceSwap: { check: answer('deviceSwap'), retrieveDate: answer('deviceSwap') },
  } as unknown as SignalProviders;
}

/** A case whose request the policy's inputs refuse, as `POST /v1/decisions` would (400). */
function refusedCase(testCase: PolicyCase, problems: InputProblem[]): CaseResult {
  const refused = [...new Set(problems.map((p) => p.field))];
  const expected = testCase.expect.refused;
  const failures: string[] = [];
  if (!expected) failures.push(`refused: ${inputProblemsMessage(problems)}; expected outcome ${testCase.expect.outcome ?? '(none)'}`);
  else {
    const missing = expected.filter((field) => !refused.includes(field));
    if (missing.length) failures.push(`refusal names ${refused.join(', ')}, expected also ${missing.join(', ')} (${inputProblemsMessage(problems)})`);
  }
  return { name: testCase.name, passed: failures.length === 0, problems: failures, actual: { refused } };
}

/** Runs one case through the compiled policy, exactly as a decision would, and compares. */
export async function runCase(policy: CompiledPolicy, testCase: PolicyCase, now: Date): Promise<CaseResult> {
  const inputProblems = policy.inputs.problems(testCase.request.context);
  if (inputProblems.length > 0) return refusedCase(testCase, inputProblems);
  const clock = new FixedClock(now);
  const phoneNumber = testCase.request.phoneNumber ?? DEFAULT_NUMBER;
  const collector = new SignalCollector(providersFor(testCase, phoneNumber, clock), { phoneNumber, trustedSince: testCase.request.trustedSince, correlator: 'policy-test' }, now);
  const outcome = await policy.evaluate(collector, {
    useCase: policy.id,
    trustedSince: testCase.request.trustedSince ?? null,
    context: testCase.request.context ?? {},
  });
  const actual = { outcome: outcome.outcome, score: outcome.score, reasons: outcome.reasons.map((r) => r.code) };
  const problems: string[] = [];
  const expected = testCase.expect;
  if (expected.refused) problems.push(`accepted, expected a refusal naming ${expected.refused.join(', ')}`);
  else if (actual.outcome !== expected.outcome) problems.push(`outcome ${actual.outcome}, expected ${expected.outcome}`);
  if (expected.score !== undefined && actual.score !== expected.score) problems.push(`score ${actual.score}, expected ${expected.score}`);
  if (expected.reasons !== undefined) {
    const missing = expected.reasons.filter((code) => !actual.reasons.includes(code));
    const extra = actual.reasons.filter((code) => !expected.reasons?.includes(code));
    if (missing.length) problems.push(`missing reasons ${missing.join(', ')}`);
    if (extra.length) problems.push(`unexpected reasons ${extra.join(', ')}`);
  }
  return { name: testCase.name, passed: problems.length === 0, problems, actual };
}

/** Reads a `<policy>.cases.json` file (shape checked loosely: a bad case fails as a case). */
export function readCaseFile(file: string): PolicyCaseFile {
  const json = JSON.parse(readFileSync(file, 'utf8')) as PolicyCaseFile;
  if (typeof json?.policy !== 'string' || !Array.isArray(json.cases)) {
    throw new Error(`${file}: expected { "policy": "<id>", "cases": [ ... ] }`);
  }
  return json;
}

export async function runCaseFile(policy: CompiledPolicy, cases: PolicyCaseFile): Promise<CaseResult[]> {
  const now = new Date(cases.now ?? DEFAULT_NOW);
  const results: CaseResult[] = [];
  for (const testCase of cases.cases) {
    try {
      results.push(await runCase(policy, testCase, now));
    } catch (error) {
      results.push({ name: testCase.name, passed: false, problems: [(error as Error).message], actual: { outcome: 'ALLOW', score: 0, reasons: [] } });
    }
  }
  return results;
}
