// `npm run bench`: decisions per second and latency of the whole path (HTTP, validation,
// signals, policy, stored decision), next to a bare Fastify echo measured in turns with it in
// the same run (A B A B ...), as this machine's ceiling. In one run, for each configuration (a
// WORKERS count: by default 1 and 2 on two cores or more):
//   - a warm-up, then closed-loop rounds (autocannon, fixed connections) on both write paths:
//     plain decisions, and decisions with an Idempotency-Key (another transaction), each next to
//     the echo; only 2xx answers count as throughput;
//   - open-loop rounds at a fixed rate (1,000 req/s): requests sent on schedule whatever the
//     earlier ones did, latency from the scheduled time, for the service and the echo;
//   - the cache hit rate and signal answers from the service's /metrics; its RSS idle, at peak
//     and after the load;
//   - then the issue 13 targets, PASS or MISS, with their figures.
// The traffic: many distinct numbers (a line dataset written for the run) over the three use
// cases. The service runs as deployed: NODE_ENV=production, logs at the default level (to a
// file in the run's temp folder). Every child process, temp file and PostgreSQL database the
// bench made is removed at the end, on failure and on Ctrl-C. Exits 1 if any request failed.
//   --database postgres   a new database on BENCH_POSTGRES_URL's server (default the local `test`)
//   --http / --3legged    signals over HTTP from the sandbox operator (see docs/benchmarks.md)
// See USAGE in bench/options.ts for the sizes (--duration, --rounds, --rate, --workers, ...).
import { writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { Logger } from '@nestjs/common';
import { ConfigResult, measureConfig, RunContext } from './bench/measure';
import { parseOptions } from './bench/options';
import { Child, cleanUp, freePort, installCleanUp, startNode, tempFolder, waitAnswering } from './bench/processes';
import { configReport, evaluateTargets, failedInConfig, figuresOf, targetTable } from './bench/report';
import { decisionBodies, lineDataset } from './bench/traffic';

// The keys CLI runs in this process: its Nest log lines ("database ready") are not figures.
Logger.overrideLogger(['error', 'warn']);

async function startEcho(folder: string): Promise<Child> {
  const port = await freePort();
  const echo = startNode('echo', 'cli/echo-server.js', port, { ...process.env, PORT: String(port) }, folder);
  await waitAnswering(echo, '/');
  return echo;
}

async function main(): Promise<number> {
  const options = parseOptions(process.argv.slice(2), process.env, cpus().length);
  installCleanUp();
  const folder = tempFolder();
  const linesFile = join(folder, 'lines.json');
  writeFileSync(linesFile, JSON.stringify(lineDataset(options.numbers)));
  const context: RunContext = {
    options,
    folder,
    linesFile,
    bodies: decisionBodies(options.numbers, Math.max(20_000, options.numbers * 2)),
    runId: randomBytes(3).toString('hex'),
    echo: await startEcho(folder),
  };
  const o = options;
  console.log(`LineTrust bench ${new Date().toISOString()}: Node ${process.version}, ${cpus().length} CPUs (load average ${load()}), database ${o.database}, WORKERS ${o.workers.join(' and ')}`);
  console.log(
    `traffic: ${count(o.numbers)} distinct numbers drawn uniformly (1% unknown to the operator), onboarding 30% / p2p_recipient 50% / account_recovery 20%\n` +
      `warm-up ${o.warmupS} s; closed loop ${o.rounds} rounds x ${o.durationS} s a phase at ${o.connections} connections; open loop ${o.rounds} rounds x ${o.rateDurationS} s at ${count(o.rate)} req/s (after ${o.rateWarmupS} s at that rate, not measured)\n` +
      `service: NODE_ENV=production, default LOG_LEVEL (JSON lines to a file); echo: bare Fastify, one process, same bodies and headers`,
  );

  const results: ConfigResult[] = [];
  try {
    for (const mode of o.modes) {
      for (const workers of o.workers) {
        const result = await measureConfig(context, mode, workers);
        results.push(result);
        console.log(configReport(result).join('\n'));
      }
    }
  } finally {
    await context.echo.stop();
  }

  // Other work on the machine shares its cores with both servers: a busy machine lowers the
  // figures (the echo's too, which is why they are compared within the run).
  console.log(`\n== Targets (issue 13), from this run (load average at the end ${load()})`);
  console.log(targetTable(evaluateTargets(results.map((result) => figuresOf(result, o.rate)))).join('\n'));
  const failed = results.reduce((sum, result) => sum + failedInConfig(result), 0);
  console.log(failed === 0 ? '\nfailed requests: 0' : `\nFAILED: ${count(failed)} requests got a non-2xx answer or none (see each configuration's FAILED line)`);
  return failed === 0 ? 0 : 1;
}

const count = (n: number) => n.toLocaleString('en-US');
const load = () => loadavg().map((n) => n.toFixed(2)).join(' ');

main()
  .then(async (code) => {
    await cleanUp();
    process.exit(code);
  })
  .catch(async (error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    await cleanUp();
    process.exit(1);
  });
