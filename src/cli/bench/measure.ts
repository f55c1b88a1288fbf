// One configuration (a signal mode and a WORKERS count): a service started on a new database,
// warmed up, then measured against the echo in turns (A B A B ...), closed loop on both write
// paths, then open loop at a fixed rate; its RSS idle, under load and after.
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { withCpu } from './cpu';
import { createBenchKey, postgresDatabase, RunDatabase, sqliteDatabase } from './database';
import { closedLoop, openLoop, Target, WritePath } from './load';
import { addSnapshot, difference, emptySnapshot, HeapFigures, MetricsSnapshot, scrapeAll } from './metrics';
import { OpenLoopResult } from './open-loop';
import { BenchOptions, MODE_LABEL, SignalMode } from './options';
import { Child, freePort, startNode, waitAnswering } from './processes';
import { commitText, roundLine } from './report';
import { readRss, Rss, RssSampler } from './rss';
import { addTally, emptyTally, failedCount, Tally } from './stats';
import { Traffic } from './traffic';
import { startOperator, warmSubscriberTokens } from './operator';

export interface RunContext {
  options: BenchOptions;
  folder: string;
  linesFile: string;
  bodies: readonly string[];
  runId: string;
  echo: Child;
}

export interface ConfigResult {
  mode: SignalMode;
  workers: number;
  label: string;
  database: string;
  plain: Tally;
  idempotent: Tally;
  echo: Tally;
  openService: OpenLoopResult;
  openEcho: OpenLoopResult;
  /** Signal queries and decisions the service counted in each kind of phase. */
  signals: Record<'plain' | 'idempotent' | 'open', MetricsSnapshot>;
  /** `after`: read at each of --settle's points (seconds without load), the last one judged. */
  rss: { idle?: Rss; peakSampled: number; peak?: number; after: { afterS: number; rss?: Rss }[] };
  /** The service's own account of its memory (/metrics), read with the idle and after-load RSS. */
  heap: { idle?: HeapFigures; after?: HeapFigures };
  /** Requests that failed during the warm-up (not in the figures, but they fail the run too). */
  warmupFailed: number;
}

/** The service's environment: as deployed (production, JSON logs at the default level). */
function serviceEnv(port: number, database: RunDatabase, workers: number, linesFile: string, signals: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const name of ['LOG_LEVEL', 'LOG_FORMAT', 'GATEWAYS_FILE', 'RATE_LIMIT_PER_SECOND']) delete env[name];
  return {
    ...env,
    NODE_ENV: 'production',
    PHONE_NUMBER_HASH_KEY: randomBytes(32).toString('hex'),
    HOST: '127.0.0.1',
    PORT: String(port),
    DATABASE_URL: database.url,
    WORKERS: String(workers),
    SANDBOX_LINES_FILE: linesFile,
    ...signals,
  };
}

async function startService(context: RunContext, name: string, database: RunDatabase, workers: number, signals: Record<string, string>): Promise<Child> {
  const port = await freePort();
  // BENCH_SERVICE_NODE_ARGS: node options for the service alone, to profile it under this load
  // (docs/benchmarks.md); split on spaces.
  const nodeArgs = (process.env.BENCH_SERVICE_NODE_ARGS ?? '').split(' ').filter((arg) => arg !== '');
  const service = startNode(name, 'main.js', port, serviceEnv(port, database, workers, context.linesFile, signals), context.folder, nodeArgs);
  await waitAnswering(service, '/health/ready', 200);
  // WORKERS=N: ready once one worker answers; wait until all N are forked and have started.
  for (let i = 0; i < 300 && workers > 1 && (readRss(service.pid)?.processes ?? 0) < workers + 1; i++) await sleep(100);
  if (workers > 1) await sleep(2000);
  return service;
}

export async function measureConfig(context: RunContext, mode: SignalMode, workers: number): Promise<ConfigResult> {
  const { options } = context;
  const label = `WORKERS=${workers}${workers === 1 ? ' (one process)' : ''}, ${MODE_LABEL[mode]}`;
  const database = options.database === 'postgres' ? await postgresDatabase(options.postgresUrl) : sqliteDatabase(context.folder, `${mode}-w${workers}`);
  const children: Child[] = [];
  let started: Child | undefined;
  try {
    const { operator, env } = await startOperator(mode, context.folder, context.linesFile);
    if (operator) children.push(operator);
    const service = await startService(context, `service-${mode}-w${workers}`, database, workers, env);
    started = service;
    children.push(service);
    const authorization = await createBenchKey(database.url);
    const decisions: Target = { url: `${service.url}/v1/decisions`, authorization };
    const echo: Target = { url: `${context.echo.url}/echo`, authorization };
    const traffic = new Traffic(context.bodies, `${context.runId}-${mode}-${workers}`);
    const result: ConfigResult = {
      mode,
      workers,
      label,
      database: database.label,
      plain: emptyTally(),
      idempotent: emptyTally(),
      echo: emptyTally(),
      openService: { ...emptyTally(), sent: 0, lags: [] },
      openEcho: { ...emptyTally(), sent: 0, lags: [] },
      signals: { plain: emptySnapshot(), idempotent: emptySnapshot(), open: emptySnapshot() },
      rss: { peakSampled: 0, after: [] },
      heap: {},
      warmupFailed: 0,
    };
    console.log(`\n== ${label}, database ${database.label}`);
    console.log(`service log: ${service.logFile} (removed at the end)`);
    await sleep(1000);
    result.rss.idle = readRss(service.pid);
    result.heap.idle = (await scrapeAll(service.url, workers)).memory;
    const sampler = new RssSampler(service.pid);
    sampler.start();

    if (mode === 'ciba') await warmSubscriberTokens(decisions.url, authorization, context.bodies, options.connections);
    if (options.warmupS > 0) {
      const half = Math.max(1, Math.round(options.warmupS / 2));
      for (const [target, path, seconds] of [[decisions, 'plain', half], [decisions, 'idempotency-key', half], [echo, 'plain', options.warmupS]] as const) {
        result.warmupFailed += failedCount(await closedLoop(target, traffic, path, options.connections, seconds));
      }
    }

    /** The counters of the last service phase (its commits go on the open loop's round lines). */
    let lastPhase = emptySnapshot();
    /** A service phase with the service's counters read before and after it. */
    const servicePhase = async <T>(into: MetricsSnapshot, run: () => Promise<T>): Promise<T> => {
      const before = await scrapeAll(service.url, workers);
      const outcome = await run();
      lastPhase = difference(await scrapeAll(service.url, workers), before);
      addSnapshot(into, lastPhase);
      return outcome;
    };
    const pidOf = (target: Target) => (target === echo ? context.echo.pid : service.pid);
    const closed = (target: Target, path: WritePath) => withCpu(pidOf(target), () => closedLoop(target, traffic, path, options.connections, options.durationS));
    const schedule = { rate: options.rate, seconds: options.rateDurationS, warmupS: options.rateWarmupS };
    /** An open-loop phase; `around` wraps its measured part only (the service's counters). */
    const open = async (target: Target, around: (work: () => Promise<OpenLoopResult>) => Promise<OpenLoopResult> = (work) => work()) => {
      const { measured, warmupFailed } = await openLoop(target, traffic, 'plain', schedule, (work) => around(() => withCpu(pidOf(target), work)));
      result.warmupFailed += warmupFailed;
      return measured;
    };

    console.log(`closed loop, ${options.connections} connections, ${options.durationS} s a phase, service and echo in turn:`);
    for (let round = 1; round <= options.rounds; round++) {
      const plain = await servicePhase(result.signals.plain, () => closed(decisions, 'plain'));
      console.log(roundLine(round, 'service, plain', added(result.plain, plain)));
      const echo1 = await closed(echo, 'plain');
      console.log(roundLine(round, 'echo', added(result.echo, echo1)));
      const idem = await servicePhase(result.signals.idempotent, () => closed(decisions, 'idempotency-key'));
      console.log(roundLine(round, 'service, Idempotency-Key', added(result.idempotent, idem)));
      const echo2 = await closed(echo, 'plain');
      console.log(roundLine(round, 'echo', added(result.echo, echo2)));
    }
    console.log(`open loop, ${options.rate} req/s on schedule, ${options.rateDurationS} s a phase after ${options.rateWarmupS} s at that rate not measured, service (plain) and echo in turn:`);
    for (let round = 1; round <= options.rounds; round++) {
      const service1 = await open(decisions, (work) => servicePhase(result.signals.open, work));
      // With its commits: a disk stall in this round shows as commits over 25 or 100 ms.
      console.log(`${roundLine(round, 'service, plain', mergeOpen(result.openService, service1))}   ${commitText(lastPhase.commits)}`);
      const echo1 = await open(echo);
      console.log(roundLine(round, 'echo', mergeOpen(result.openEcho, echo1)));
    }

    sampler.stop();
    result.rss.peakSampled = sampler.highest;
    result.rss.peak = readRss(service.pid)?.peak;
    let waited = 0;
    for (const afterS of options.settleS) {
      await sleep((afterS - waited) * 1000);
      waited = afterS;
      result.rss.after.push({ afterS, rss: readRss(service.pid) });
    }
    result.heap.after = (await scrapeAll(service.url, workers)).memory;
    if (service.exited()) throw new Error(`the service exited during the run (${service.state()})`);
    return result;
  } catch (error) {
    // A load or a scrape failing because the service died: say so, with its last lines.
    if (started?.exited()) throw new Error(`${(error as Error).message}\nthe service exited during the run (${started.state()}); its last lines:\n${started.tail()}`);
    throw error;
  } finally {
    for (const child of children.reverse()) await child.stop();
    await database.drop();
  }
}

/** Adds a closed-loop round into the phase's total; returns the round, to print. */
function added(into: Tally, round: Tally): Tally {
  addTally(into, round);
  return round;
}

/** Adds an open-loop round into the phase's total; returns the round, to print. */
function mergeOpen(into: OpenLoopResult, round: OpenLoopResult): OpenLoopResult {
  addTally(into, round);
  into.sent += round.sent;
  for (const lag of round.lags) into.lags.push(lag);
  return round;
}
