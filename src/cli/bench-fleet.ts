// `npm run bench:fleet`: the figures issue 11's closing note asks for, measured on PostgreSQL
// with real service processes (the compiled dist/main.js) as a user runs a fleet:
//   1. starts without a crash: 3 instances started together on an empty schema, 20 rounds
//   2. time for a published policy to reach every instance (NOTIFY; the poll as a baseline)
//   3. requests admitted against a key's budget across the instances
//   4. the slowest answer against the deadline while the operator misbehaves
//   5. the slowest answer against the deadline while the database stalls, and that no
//      decision answered 503 was stored
// Each figure prints how it was measured. Flags pick a subset or change sizes:
//   --only 1,3   --starts N   --publishes N   --poll-checks N   --bursts N   --sustained S
//   --decisions N   --baseline N   --concurrency N   --stall-ms N
// DATABASE_URL (default postgresql://postgres@127.0.0.1:5432/test): each fleet gets its own
// schema there, dropped at the end, as are all child processes, whatever happens.
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { Logger } from '@nestjs/common';
import { measureDatabaseStall } from './bench-fleet/database-stall';
import { BenchDatabase } from './bench-fleet/database';
import { Fleet, FLEET_SIZE, Report, startTogether, stopAll } from './bench-fleet/fleet';
import { createKey } from './bench-fleet/http';
import { operatorEnv, startOperator } from './bench-fleet/operator';
import { measureOperatorFaults } from './bench-fleet/operator-faults';
import { Child, killLeftovers, waitReady } from './bench-fleet/processes';
import { measurePublish } from './bench-fleet/publish';
import { measureRateLimit } from './bench-fleet/rate-limit';
import { measureStarts } from './bench-fleet/starts';
import { option } from './cli-io';

// The keys CLI runs in this process: its Nest log lines ("database ready") are not figures.
Logger.overrideLogger(['error', 'warn']);

const args = process.argv.slice(2);
const number = (name: string, fallback: number): number => {
  const value = option(args, name);
  if (value === undefined) return fallback;
  if (!/^\d+$/.test(value)) throw new Error(`${name} takes a whole number, not "${value}"`);
  return Number(value);
};

const settings = {
  only: new Set((option(args, '--only') ?? '1,2,3,4,5').split(',').map((item) => Number(item.trim()))),
  starts: number('--starts', 20),
  publishes: number('--publishes', 10),
  pollChecks: number('--poll-checks', 4),
  bursts: number('--bursts', 5),
  sustained: number('--sustained', 8),
  decisions: number('--decisions', 1500),
  baseline: number('--baseline', 600),
  concurrency: number('--concurrency', 32),
  stallMs: number('--stall-ms', 5000),
};
const wanted = (figure: number, size = 1) => settings.only.has(figure) && size > 0;

/**
 * The fleet of figures 2 to 5. Deadline and write budget as the issue asks; caching off and
 * circuits that do not open, so that figure 4 is the worst case (every decision waits on the
 * faulty operator); RATE_LIMIT_PER_SECOND 0 so that only the keys' own rates limit.
 */
async function startFleet(report: Report, operator: Child | undefined): Promise<Fleet> {
  const schema = report.database.newSchema('fleet');
  const env: Record<string, string> = {
    DATABASE_URL: schema.url,
    POLICY_SOURCE: 'database',
    RETENTION_INTERVAL_MINUTES: '0',
    RATE_LIMIT_PER_SECOND: '0',
    RATE_LIMIT_BURST_SECONDS: '1',
    DECISION_DEADLINE_MS: '1000',
    DECISION_WRITE_BUDGET_MS: '1000',
    CIRCUIT_FAILURE_THRESHOLD: '1000',
    CACHE_TTL_TENURE_S: '0',
    CACHE_TTL_NUMBER_RECYCLING_S: '0',
    CACHE_TTL_SIM_SWAP_S: '0',
    CACHE_TTL_DEVICE_SWAP_S: '0',
    ...(operator ? operatorEnv(operator) : {}),
  };
  const instances = await startTogether(FLEET_SIZE, env);
  const fleet: Fleet = { schema, instances, env, adminKey: '', decisionKey: '' };
  try {
    await Promise.all(instances.map((instance) => waitReady(instance)));
  } catch (error) {
    await stopAll(instances);
    throw new Error(`the fleet for figures 2-5 did not start: ${(error as Error).message}\n${instances.map((i) => i.output()).join('\n')}`);
  }
  // Unthrottled (the CLI's largest rate): figure 3 makes its own limited key.
  fleet.adminKey = await createKey(schema.url, 'admin', 100_000);
  fleet.decisionKey = await createKey(schema.url, 'decisions:write', 100_000);
  return fleet;
}

/** Runs a figure, printing its wall time; a figure that throws is reported and the next one runs. */
async function figure(report: Report, name: string, work: () => Promise<void>): Promise<void> {
  const started = performance.now();
  try {
    await work();
  } catch (error) {
    report.problem(`${name} could not be measured: ${(error as Error).message}`);
    process.exitCode = 1;
  }
  report.line(`(${name}: ${((performance.now() - started) / 1000).toFixed(1)} s)`);
}

async function main(): Promise<void> {
  const url = process.env.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/test';
  // A fleet shares one PostgreSQL database; on SQLite there is no fleet to measure.
  if (!/^postgres(ql)?:\/\//.test(url)) throw new Error('bench:fleet runs on PostgreSQL: DATABASE_URL must be postgresql://...');
  const database = new BenchDatabase(url);
  const report = new Report(database);
  const runId = randomBytes(3).toString('hex');
  const dir = mkdtempSync(join(tmpdir(), 'linetrust-bench-fleet-'));
  const children: Child[] = [];
  const interrupted = () => {
    // Children first (synchronously), then the schemas, then out.
    killLeftovers();
    void database.close().finally(() => process.exit(130));
  };
  process.once('SIGINT', interrupted);
  process.once('SIGTERM', interrupted);

  const started = performance.now();
  console.log(`LineTrust bench:fleet ${new Date().toISOString()} run ${runId}: PostgreSQL ${database.describe()}, Node ${process.version}, ${cpus().length} CPUs`);
  try {
    await database.connect();
    if (wanted(1, settings.starts)) await figure(report, 'figure 1', () => measureStarts(report, settings.starts));

    const fleetFigures = [wanted(2, settings.publishes), wanted(3, settings.bursts + settings.sustained), wanted(4, settings.decisions), wanted(5, settings.stallMs)];
    if (fleetFigures.some(Boolean)) {
      const operator = fleetFigures[2] || fleetFigures[3] ? await startOperator(dir) : undefined;
      if (operator) children.push(operator);
      const fleet = await startFleet(report, operator);
      children.push(...fleet.instances);
      console.log(`\nfleet for figures 2-5: ${FLEET_SIZE} instances on schema ${fleet.schema.name}, signals ${operator ? `over HTTP from the sandbox operator` : 'from the built-in sandbox'}`);
      if (fleetFigures[0]) await figure(report, 'figure 2', () => measurePublish(report, fleet, settings.publishes, settings.pollChecks));
      if (fleetFigures[1]) await figure(report, 'figure 3', () => measureRateLimit(report, fleet, settings.bursts, settings.sustained));
      if (fleetFigures[2]) await figure(report, 'figure 4', () => measureOperatorFaults(report, fleet, settings.decisions, settings.baseline, settings.concurrency, runId));
      if (fleetFigures[3]) await figure(report, 'figure 5', () => measureDatabaseStall(report, fleet, settings.stallMs, settings.concurrency, runId));
      const crashed = fleet.instances.filter((instance) => instance.exited());
      if (crashed.length > 0) report.problem(`${crashed.length} fleet instance(s) exited during the figures`);
    }
  } finally {
    await stopAll(children.reverse());
    const leftover = await database.close();
    if (leftover.length > 0) console.error(`could not drop: ${leftover.join('; ')}`);
    rmSync(dir, { recursive: true, force: true });
  }

  console.log(`\n== Product problems seen: ${report.problems.length === 0 ? 'none' : ''}`);
  for (const problem of report.problems) console.log(`   - ${problem}`);
  console.log(`total ${((performance.now() - started) / 1000).toFixed(0)} s`);
  if (report.problems.length > 0) process.exitCode = 1;
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  killLeftovers();
  process.exit(1);
});
