// `npm run bench:backtest [-- --database postgres]`: stored decisions replayed per second.
// Fills a fresh database (a SQLite file in a temp folder, or with --database postgres a
// database created on BENCH_POSTGRES_URL's server, default the local `test` one) with
// BENCH_DECISIONS onboarding decisions (default 100,000) stored as the service stores them,
// then replays them against a candidate through the service's BacktestService, composed on the
// database as `policy backtest` composes it (POST /v1/policies/{id}/backtest runs the same).
// Baseline in the same run, interleaved with the replay (A B A B, so a busy machine weighs on
// both alike): reading and parsing the same rows with the raw driver and nothing else, the
// ceiling of any replay. Memory: resident set size sampled after every page of the replay
// (flat when the replay streams: compare BENCH_DECISIONS=100000 and 300000), and the process's
// peak. Exits 1 when a replay fails or replays another number of decisions than were stored;
// the temp folder or database is removed in every case (on SIGINT/SIGTERM too).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Logger } from '@nestjs/common';
import { validateConfig } from '../config/app-config';
import { PACKAGE_ROOT } from '../config/package-root';
import { BacktestService } from '../decisions/backtest.service';
import { DecisionRepository } from '../decisions/decision.repository';
import { PrismaService } from '../prisma/prisma.service';
import { BacktestReport } from '../scoring/backtest';
import { CompiledPolicy } from '../scoring/compiled-policy';
import { validatePolicyText } from '../scoring/policy-validator';
import { BenchStore, postgresStore, sqliteStore } from './bench-backtest-store';
import { option } from './cli-io';

const COUNT = Number(process.env.BENCH_DECISIONS ?? 100_000);
const ROUNDS = 2;
const MB = 1024 * 1024;
const CANDIDATE_FILE = 'rules/onboarding.candidate.json';

const rate = (n: number, ms: number) => Math.round(n / (ms / 1000));
const mb = (bytes: number) => `${(bytes / MB).toFixed(0)} MB`;

/** Resident memory sampled during a replay: at each quarter of it, and the highest seen. */
class RssSamples {
  readonly marks: { done: number; rss: number }[] = [];
  max = 0;
  private nextMark: number;

  constructor(private readonly total: number) {
    this.nextMark = total / 4;
  }

  sample(done: number): number | undefined {
    const rss = process.memoryUsage.rss();
    this.max = Math.max(this.max, rss);
    if (done < this.nextMark) return undefined;
    while (this.nextMark <= done) this.nextMark += this.total / 4;
    this.marks.push({ done, rss });
    return rss;
  }
}

async function replay(service: BacktestService, candidate: CompiledPolicy, round: number): Promise<{ report: BacktestReport; ms: number; cpuMs: number; rss: RssSamples }> {
  const rss = new RssSamples(COUNT);
  const cpu = process.cpuUsage();
  const started = performance.now();
  const report = await service.run(candidate, {}, (done, total) => {
    const at = rss.sample(done);
    if (at !== undefined) console.log(`  replay ${round}: ${done} / ${total} decisions, ${rate(done, performance.now() - started)}/s so far, RSS ${mb(at)}`);
  });
  const ms = performance.now() - started;
  const used = process.cpuUsage(cpu);
  return { report, ms, cpuMs: (used.user + used.system) / 1000, rss };
}

async function bench(store: BenchStore): Promise<boolean> {
  console.log(`database: ${store.label}`);
  let started = performance.now();
  await store.fill(COUNT);
  console.log(`stored ${COUNT} decisions in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  // The candidate: the starter onboarding policy, blocking on a recent SIM swap (validated like a file).
  const document = JSON.parse(readFileSync(join(PACKAGE_ROOT, 'rules', 'onboarding.json'), 'utf8'));
  document.rules.find((r: { name: string }) => r.name === 'recent-sim-swap').event.type = 'BLOCK';
  const text = JSON.stringify(document);
  const candidate = new CompiledPolicy(validatePolicyText(text, CANDIDATE_FILE), CANDIDATE_FILE, text);

  // The service's BacktestService on the database alone, composed as `policy backtest` composes it.
  const prisma = new PrismaService(validateConfig({ DATABASE_URL: store.url, LOG_LEVEL: 'warn' }));
  await prisma.onModuleInit();
  let ok = true;
  const baselines: number[] = [];
  const replays: number[] = [];
  let rssBefore = 0;
  try {
    const service = new BacktestService(new DecisionRepository(prisma));
    rssBefore = process.memoryUsage.rss();
    for (let round = 1; round <= ROUNDS; round++) {
      started = performance.now();
      const rows = await store.baseline();
      const baselineRate = rate(rows, performance.now() - started);
      baselines.push(baselineRate);
      console.log(`baseline ${round}: raw driver read + parse of ${rows} rows: ${baselineRate} rows/s`);
      const { report, ms, cpuMs, rss } = await replay(service, candidate, round);
      const replayRate = rate(report.decisions, ms);
      replays.push(replayRate);
      console.log(
        `replay ${round}: ${report.decisions} decisions in ${(ms / 1000).toFixed(2)} s: ${replayRate} decisions/s ` +
          `(${((replayRate / baselineRate) * 100).toFixed(0)}% of the baseline; CPU ${(cpuMs / 1000).toFixed(2)} s, ${rate(report.decisions, cpuMs)} decisions per CPU-second)`,
      );
      console.log(`  RSS before replays ${mb(rssBefore)}; during this one ${rss.marks.map((m) => `${mb(m.rss)} at ${m.done}`).join(', ')}; highest ${mb(rss.max)}`);
      console.log(`  replayable ${report.replayable}, outcome changes ${report.changedCount} (${report.changed.length} listed), labelled ${report.labels?.labelled ?? 0}`);
      if (report.decisions !== COUNT) {
        console.error(`FAIL: replay ${round} replayed ${report.decisions} decisions, ${COUNT} are stored`);
        ok = false;
      }
    }
  } finally {
    await prisma.onModuleDestroy();
  }
  const mean = (values: number[]) => Math.round(values.reduce((a, b) => a + b, 0) / values.length);
  console.log('');
  console.log(`summary (${COUNT} decisions, ${ROUNDS} rounds): replay ${replays.join(', ')} decisions/s (mean ${mean(replays)}); baseline ${baselines.join(', ')} rows/s (mean ${mean(baselines)})`);
  console.log(`peak RSS of the process (fill included): ${mb(process.resourceUsage().maxRSS * 1024)}`);
  return ok;
}

/** Run at exit, whichever way: the temp folder or the database. */
const cleanUps: (() => Promise<unknown>)[] = [];
async function cleanUp(): Promise<void> {
  for (const step of cleanUps.splice(0).reverse()) await step().catch((error: unknown) => console.error(`clean-up failed: ${(error as Error).message}`));
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    console.error(`${signal}: cleaning up`);
    void cleanUp().finally(() => process.exit(130));
  });
}
// An error outside main's chain (a closed stdout when piped into `head`) skips its finally.
process.once('uncaughtException', (error) => {
  process.stderr.write(`FAIL: ${error.stack ?? error.message}\n`);
  void cleanUp().finally(() => process.exit(1));
});

async function main(): Promise<number> {
  Logger.overrideLogger(['warn', 'error']);
  const database = option(process.argv.slice(2), '--database') ?? 'sqlite';
  if (database !== 'sqlite' && database !== 'postgres') {
    console.error('usage: bench-backtest [--database sqlite|postgres] (BENCH_DECISIONS, BENCH_POSTGRES_URL)');
    return 64;
  }
  if (!Number.isInteger(COUNT) || COUNT < 1) {
    console.error('BENCH_DECISIONS must be a positive integer');
    return 64;
  }
  try {
    const store = database === 'sqlite' ? await sqliteStore() : await postgresStore(process.env.BENCH_POSTGRES_URL ?? 'postgresql://postgres@127.0.0.1:5432/test');
    cleanUps.push(() => store.cleanUp());
    return (await bench(store)) ? 0 : 1;
  } catch (error) {
    console.error('FAIL:', error);
    return 1;
  } finally {
    await cleanUp();
  }
}

void main().then((code) => process.exit(code));
