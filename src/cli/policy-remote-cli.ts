// `linetrust policy shadow` (a running service's shadow report) and `policy backtest` (stored
// decisions of DATABASE_URL replayed against a candidate file).
import { resolve } from 'node:path';
import { validateConfig } from '../config/app-config';
import { BacktestService } from '../decisions/backtest.service';
import { DecisionRepository } from '../decisions/decision.repository';
import { PrismaService } from '../prisma/prisma.service';
import { BacktestReport } from '../scoring/backtest';
import { CliContext, CommandSpec, EXIT, OptionValues, text, UsageError } from './command';

const ACTIONS = ['ALLOW', 'CHALLENGE', 'REVIEW', 'BLOCK'] as const;
const DEFAULT_URL = 'http://127.0.0.1:3000';

interface ShadowReportBody {
  activeVersion: string;
  candidates: { version: string; running: boolean; decisions: number; agreement: number; matrix: Record<string, Record<string, number>> }[];
}

/** The service's address, and where it came from, for a message that says what to change. */
function serviceUrl(flag: string | undefined, env: CliContext['env']): { url: URL; from: string } {
  const [value, from] = flag !== undefined ? [flag, '--url'] : env.LINETRUST_URL ? [env.LINETRUST_URL, 'LINETRUST_URL'] : [DEFAULT_URL, 'the default'];
  try {
    return { url: new URL(value), from };
  } catch {
    throw new UsageError(`${from} is not a URL: "${value}" (e.g. ${DEFAULT_URL})`);
  }
}

/** fetch's "fetch failed" hides the reason in `cause`: ECONNREFUSED, ENOTFOUND, ... */
function networkReason(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? (error as Error).message;
}

async function shadow(useCase: string, values: OptionValues, context: CliContext): Promise<number> {
  const { url, from } = serviceUrl(text(values, 'url'), context.env);
  const key = text(values, 'key') ?? context.env.LINETRUST_API_KEY;
  const target = new URL(`v1/policies/${encodeURIComponent(useCase)}/shadow`, url.href.endsWith('/') ? url.href : `${url.href}/`);
  let response: Response;
  try {
    response = await fetch(target, { headers: key ? { authorization: `Bearer ${key}` } : {} });
  } catch (error) {
    context.out.error(`cannot reach the LineTrust service at ${url.origin} (${from}): ${networkReason(error)}.`);
    context.out.error(`Start it (npm start), or give its address with --url http://host:port or LINETRUST_URL (default ${DEFAULT_URL}).`);
    return EXIT.failed;
  }
  const body = (await response.json().catch(() => ({}))) as ShadowReportBody & { message?: string };
  if (!response.ok) {
    context.out.error(`${target.href} answered ${response.status}: ${body.message ?? 'request failed'}`);
    if (response.status === 401 || response.status === 403) context.out.error('Give a key with the policies:read scope with --key or LINETRUST_API_KEY.');
    return EXIT.failed;
  }
  if (context.json) return (context.out.line(JSON.stringify(body)), EXIT.ok);
  context.out.line(`${useCase}: active version ${body.activeVersion}`);
  if (body.candidates.length === 0) context.out.line('no shadow candidate has run');
  for (const candidate of body.candidates) {
    context.out.line('');
    context.out.line(`candidate ${candidate.version}${candidate.running ? ' (running)' : ''}: ${candidate.decisions} decisions, agreement ${(candidate.agreement * 100).toFixed(1)}%`);
    context.out.line(`  ${'active \\ candidate'.padEnd(20)}${ACTIONS.map((a) => a.padStart(10)).join('')}`);
    for (const row of ACTIONS) context.out.line(`  ${row.padEnd(20)}${ACTIONS.map((to) => String(candidate.matrix[row][to]).padStart(10)).join('')}`);
  }
  return EXIT.ok;
}

export const shadowCommand: CommandSpec = {
  name: 'shadow',
  summary: "a running service's shadow report: how a candidate would have decided live traffic",
  args: '<useCase>',
  positionals: { min: 1, max: 1 },
  json: true,
  options: {
    url: { type: 'string', value: '<http://host:port>', description: `the service (default LINETRUST_URL, else ${DEFAULT_URL})` },
    key: { type: 'string', value: '<API key>', description: 'a key with policies:read (default LINETRUST_API_KEY)' },
  },
  notes: ['Exit 1 when the service cannot be reached or refuses. With --json: the body of GET /v1/policies/{useCase}/shadow.'],
  run: ({ positionals, values }, context) => shadow(positionals[0], values, context),
};

function printBacktest(report: BacktestReport, line: (text: string) => void): void {
  line(`${report.policyId}: candidate ${report.candidateVersion} replayed on ${report.decisions} stored decisions, ${report.replayable} fully replayable`);
  if (report.inputsRefused.count > 0) {
    const fields = [...new Set(report.inputsRefused.examples.flatMap((e) => e.fields))].join(', ');
    line(`  ${report.inputsRefused.count} not replayed: the candidate's inputs refuse their context (${fields}; e.g. ${report.inputsRefused.examples.slice(0, 3).map((e) => e.id).join(', ')})`);
  }
  line(`  ${'stored \\ candidate'.padEnd(20)}${ACTIONS.map((a) => a.padStart(10)).join('')}`);
  for (const from of ACTIONS) line(`  ${from.padEnd(20)}${ACTIONS.map((to) => String(report.matrix[from][to]).padStart(10)).join('')}`);
  line('');
  line(`  ${'rule'.padEnd(32)}${'before'.padStart(8)}${'after'.padStart(8)}${'not replayable'.padStart(16)}`);
  for (const rule of report.rules) line(`  ${rule.rule.padEnd(32)}${String(rule.before).padStart(8)}${String(rule.after).padStart(8)}${String(rule.notReplayable).padStart(16)}`);
  if (report.labels) {
    line('');
    line(`  labelled decisions: ${report.labels.labelled}`);
    const pct = (n: number | null) => (n === null ? '-' : `${(n * 100).toFixed(1)}%`);
    for (const action of ACTIONS) {
      const [b, a] = [report.labels.before[action], report.labels.after[action]];
      line(`  ${action.padEnd(10)} precision ${pct(b.precision)} -> ${pct(a.precision)}   recall ${pct(b.recall)} -> ${pct(a.recall)}`);
    }
  }
  line('');
  line(`  ${report.changedCount} decisions change outcome${report.changed.length ? `, e.g. ${report.changed.slice(0, 5).map((c) => `${c.id} ${c.before}->${c.after}`).join(', ')}` : ''}`);
}

function date(value: string | undefined, name: string): Date | undefined {
  if (value === undefined) return undefined;
  const parsed = new Date(value);
  if (Number.isNaN(parsed.getTime())) throw new UsageError(`--${name} takes an ISO 8601 date, not "${value}"`);
  return parsed;
}

/** Replays the stored decisions of DATABASE_URL (the service's configuration) against a candidate. */
async function backtest(file: string, values: OptionValues, context: CliContext): Promise<number> {
  const range = { from: date(text(values, 'from'), 'from'), to: date(text(values, 'to'), 'to') };
  // Only the database: not the service's policies, whose loading would record versions that
  // never decided anything.
  const prisma = new PrismaService(validateConfig(context.env));
  await prisma.onModuleInit();
  try {
    const progress =
      process.stderr.isTTY && !context.json ? (done: number, total: number) => process.stderr.write(`\r  replayed ${done} / ${total}`) : undefined;
    const report = await new BacktestService(new DecisionRepository(prisma)).run(resolve(file), range, progress);
    if (progress) process.stderr.write('\n');
    if (context.json) context.out.line(JSON.stringify(report));
    else printBacktest(report, (line) => context.out.line(line));
    return EXIT.ok;
  } finally {
    await prisma.onModuleDestroy();
  }
}

export const backtestCommand: CommandSpec = {
  name: 'backtest',
  summary: 'replay the stored decisions of DATABASE_URL against a candidate policy file',
  args: '<candidate file>',
  positionals: { min: 1, max: 1 },
  json: true,
  options: {
    from: { type: 'string', value: '<ISO date>', description: 'only decisions made from this time' },
    to: { type: 'string', value: '<ISO date>', description: 'only decisions made up to this time' },
  },
  notes: ['With --json: the report of POST /v1/policies/{id}/backtest.'],
  run: ({ positionals, values }, context) => backtest(positionals[0], values, context),
};
