// What the bench prints: a line per round as it runs, each configuration's totals over all its
// rounds, and the issue's targets as a table of figures with PASS or MISS.
import { cacheHitRate, CommitFigures, commitsOver, HeapFigures, MetricsSnapshot, totalQueries } from './metrics';
import type { ConfigResult } from './measure';
import { OpenLoopResult } from './open-loop';
import { mb, rssText } from './rss';
import { cpuPerAnswerUs, failedCount, failures, generatorCores, machineCores, okPerSecond, summarize, Tally } from './stats';

const MB = 1_048_576;
export const count = (n: number) => Math.round(n).toLocaleString('en-US');
export const ms = (value: number) => (Number.isNaN(value) ? '-' : `${value < 10 ? value.toFixed(2) : value.toFixed(1)} ms`);
const percent = (share: number) => (Number.isNaN(share) ? '-' : `${(share * 100).toFixed(1)}%`);
const isOpen = (tally: Tally): tally is OpenLoopResult => 'sent' in tally;

/** Throughput (2xx only), latency percentiles of the 2xx, and the failed. Sorts `tally.latencies`. */
export function tallyFigures(tally: Tally): string {
  const latency = summarize(tally.latencies);
  const rate = isOpen(tally) ? `2xx ${count(tally.ok)} of ${count(tally.sent)} sent` : `${count(okPerSecond(tally)).padStart(6)} 2xx/s`;
  const cpu = cpuPerAnswerUs(tally);
  const perAnswer = Number.isNaN(cpu) ? '' : `   CPU ${count(cpu)} us/2xx`;
  return `${rate}   p50 ${ms(latency.p50)}   p99 ${ms(latency.p99)}   p99.9 ${ms(latency.p999)}   max ${ms(latency.max)}   failed ${failedCount(tally)}${perAnswer}${machineText(tally)}`;
}

/** How busy the machine was, and with what besides the target and the generator: a slow round on a shared machine says so. */
function machineText(tally: Tally): string {
  const { busy, others } = machineCores(tally);
  return busy > 0 ? `   machine ${busy.toFixed(2)} cores busy (others ${others.toFixed(2)})` : '';
}

export function roundLine(round: number, label: string, tally: Tally): string {
  return `  round ${round}  ${label.padEnd(26)} ${tallyFigures(tally)}`;
}

function signalLine(label: string, snapshot: MetricsSnapshot, okAnswers: number, workers: number): string {
  const results = [...snapshot.queries].filter(([, n]) => n > 0).sort(([, a], [, b]) => b - a).map(([result, n]) => `${result} ${count(n)}`).join(', ');
  const perDecision = snapshot.decisions > 0 ? (snapshot.operatorCalls / snapshot.decisions).toFixed(2) : '-';
  const seen = workers > 1 ? ` (/metrics of ${snapshot.processes} of ${workers} workers)` : '';
  return (
    `  ${label.padEnd(24)} cache hit rate ${percent(cacheHitRate(snapshot))} of ${count(totalQueries(snapshot))} signal queries   operator calls/decision ${perDecision}` +
    `   decisions counted ${count(snapshot.decisions)} (2xx received ${count(okAnswers)})${seen}\n    by result: ${results || 'none'}`
  );
}

/**
 * The decision path's commits in a phase, as the service timed them: how many, their mean, and
 * the slow ones. Each answer waits for its decision's commit, so a disk that stalls for 100 ms
 * holds every decision of that commit as long (docs/benchmarks.md#disk-stalls).
 */
export function commitText(commits: CommitFigures): string {
  if (commits.count === 0) return 'commits: none counted';
  const over = (seconds: number) => count(commitsOver(commits, seconds));
  return `commits ${count(commits.count)}, mean ${ms((commits.seconds / commits.count) * 1000)}, over 25 ms ${over(0.025)}, over 100 ms ${over(0.1)}`;
}

function heapText(heap: HeapFigures | undefined): string {
  return heap ? `${mb(heap.heapUsed)} / ${mb(heap.heapTotal)}, ${mb(heap.external)}` : 'n/a';
}

const cores = (tally: Tally) => percent(generatorCores(tally));
const ratioOf = (numerator: number, denominator: number) => (Number.isFinite(numerator / denominator) ? (numerator / denominator).toFixed(3) : 'n/a');

/** A configuration's totals over all its rounds. */
export function configReport(result: ConfigResult): string[] {
  const echoRate = okPerSecond(result.echo);
  const ratio = (tally: Tally) => percent(echoRate > 0 ? okPerSecond(tally) / echoRate : Number.NaN);
  const open = summarize(result.openService.latencies);
  const openEcho = summarize(result.openEcho.latencies);
  const lag = summarize([...result.openService.lags, ...result.openEcho.lags]);
  const { idle, peak, peakSampled } = result.rss;
  const lines = [
    `-- ${result.label}: all rounds`,
    `closed loop (2xx/s over the phases' time; latency percentiles over every 2xx answer):`,
    `  ${'service, plain'.padEnd(26)} ${tallyFigures(result.plain)}   ratio to echo ${ratio(result.plain)}`,
    `  ${'service, Idempotency-Key'.padEnd(26)} ${tallyFigures(result.idempotent)}   ratio to echo ${ratio(result.idempotent)}`,
    `  ${'echo'.padEnd(26)} ${tallyFigures(result.echo)}`,
    `  CPU per answer, echo's / service's (the ratio without the machine's other load): plain ${ratioOf(cpuPerAnswerUs(result.echo), cpuPerAnswerUs(result.plain))}, Idempotency-Key ${ratioOf(cpuPerAnswerUs(result.echo), cpuPerAnswerUs(result.idempotent))}`,
    `  the load generator (this process) used ${cores(result.plain)} of a core during the plain phases, ${cores(result.idempotent)} during the Idempotency-Key ones, ${cores(result.echo)} during the echo's: what the service could not have`,
    `open loop (latency from each request's scheduled send time; generator lag p99 ${ms(lag.p99)}, max ${ms(lag.max)}):`,
    `  ${'service, plain'.padEnd(26)} ${tallyFigures(result.openService)}`,
    `  ${'echo'.padEnd(26)} ${tallyFigures(result.openEcho)}   service p99 = ${(open.p99 / openEcho.p99).toFixed(1)} x echo`,
    `signals, as the service counted them in /metrics:`,
    signalLine('closed loop, plain', result.signals.plain, result.plain.ok, result.workers),
    signalLine('closed loop, Idem.-Key', result.signals.idempotent, result.idempotent.ok, result.workers),
    signalLine('open loop', result.signals.open, result.openService.ok, result.workers),
    `the decision path's commits, as the service timed them (linetrust_decision_commit_seconds; an answer waits for its decision's):`,
    `  ${'closed loop, plain'.padEnd(24)} ${commitText(result.signals.plain.commits)}`,
    `  ${'closed loop, Idem.-Key'.padEnd(24)} ${commitText(result.signals.idempotent.commits)}`,
    `  ${'open loop'.padEnd(24)} ${commitText(result.signals.open.commits)}`,
    `service RSS${(idle?.processes ?? 1) > 1 ? ` (sum of ${idle?.processes} processes: the primary + its workers)` : ''}: idle before load ${rssText(idle)}   peak ${mb(peak)} (VmHWM${(idle?.processes ?? 1) > 1 ? 's added' : ''}; highest sampled every 200 ms ${mb(peakSampled)})`,
    ...result.rss.after.map(({ afterS, rss }) => `  after load, ${afterS} s without load: ${rssText(rss)}${rss && idle ? ` (${signed(rss.now / idle.now - 1)} of idle)` : ''}`),
    `  of which${result.workers > 1 ? ' (the workers, from their /metrics)' : ''}: V8 heap used / reserved, and memory outside it (Buffers, native): idle ${heapText(result.heap.idle)}; after load ${heapText(result.heap.after)}`,
  ];
  const failed = failedInConfig(result);
  if (failed > 0) {
    lines.push(`FAILED requests: ${failed}: service plain ${failures(result.plain)}; Idempotency-Key ${failures(result.idempotent)}; echo ${failures(result.echo)};`);
    lines.push(`  open loop service ${failures(result.openService)}; open loop echo ${failures(result.openEcho)}; warm-up ${result.warmupFailed}`);
  }
  return lines;
}

export function failedInConfig(result: ConfigResult): number {
  return [result.plain, result.idempotent, result.echo, result.openService, result.openEcho].reduce((sum, tally) => sum + failedCount(tally), 0) + result.warmupFailed;
}

const signed = (share: number) => `${share >= 0 ? '+' : ''}${(share * 100).toFixed(0)}%`;

/** The figures the targets are judged on, per configuration. */
export interface ConfigFigures {
  label: string;
  workers: number;
  plainPerS: number;
  idempotentPerS: number;
  echoPerS: number;
  openP99: number;
  echoOpenP99: number;
  rate: number;
  idleRss?: number;
  peakRss?: number;
  afterRss?: number;
  /** Processes the RSS figures add up (WORKERS=N: the primary and its workers). */
  rssProcesses: number;
  settleS: number;
}

export function figuresOf(result: ConfigResult, rate: number): ConfigFigures {
  const last = result.rss.after.at(-1);
  return {
    label: `WORKERS=${result.workers}${result.mode === 'built-in' ? '' : `, ${result.mode}`}`,
    workers: result.workers,
    plainPerS: okPerSecond(result.plain),
    idempotentPerS: okPerSecond(result.idempotent),
    echoPerS: okPerSecond(result.echo),
    openP99: summarize(result.openService.latencies).p99,
    echoOpenP99: summarize(result.openEcho.latencies).p99,
    rate,
    idleRss: result.rss.idle?.now,
    peakRss: result.rss.peak,
    afterRss: last?.rss?.now,
    rssProcesses: result.rss.idle?.processes ?? 1,
    settleS: last?.afterS ?? 0,
  };
}

export interface TargetRow {
  target: string;
  figure: string;
  /** undefined: not measured in this run. */
  pass: boolean | undefined;
}

/** Issue 13's done criteria, judged on this run's figures. */
export function evaluateTargets(configs: ConfigFigures[]): TargetRow[] {
  const rows: TargetRow[] = [];
  for (const c of configs.filter((each) => each.workers === 1)) {
    for (const [path, perS] of [['plain', c.plainPerS], ['Idempotency-Key', c.idempotentPerS]] as const) {
      const ratio = c.echoPerS > 0 ? perS / c.echoPerS : Number.NaN;
      rows.push({ target: `ratio to echo >= 0.20, ${c.label}, ${path}`, figure: `${ratio.toFixed(3)} (${count(perS)} / ${count(c.echoPerS)} per s)`, pass: ratio >= 0.2 });
    }
  }
  const multi = configs.filter((each) => each.workers >= 2);
  for (const c of multi) {
    for (const [path, perS] of [['plain', c.plainPerS], ['Idempotency-Key', c.idempotentPerS]] as const) {
      rows.push({ target: `>= 3,000 decisions/s with both cores, ${c.label}, ${path}`, figure: `${count(perS)}/s`, pass: perS >= 3000 });
    }
  }
  if (multi.length === 0) rows.push({ target: '>= 3,000 decisions/s with both cores', figure: 'not measured (add --workers 1,2)', pass: undefined });
  for (const c of configs) {
    const times = c.openP99 / c.echoOpenP99;
    const note = c.rate === 1000 ? '' : ` (measured at ${count(c.rate)} req/s, not 1,000)`;
    rows.push({ target: `p99 at 1,000 req/s <= 5 x echo p99, ${c.label}`, figure: `${ms(c.openP99)} vs ${ms(c.echoOpenP99)} = ${times.toFixed(1)} x${note}`, pass: c.rate === 1000 ? times <= 5 : undefined });
  }
  for (const c of configs) {
    rows.push({ target: `RSS under load <= 300 MB, ${c.label}`, figure: c.peakRss === undefined ? 'n/a (no /proc)' : `peak ${mb(c.peakRss)}${c.rssProcesses > 1 ? ` (sum of ${c.rssProcesses} processes)` : ''}`, pass: c.peakRss === undefined ? undefined : c.peakRss <= 300 * MB });
    const back = c.afterRss !== undefined && c.idleRss !== undefined ? c.afterRss / c.idleRss - 1 : undefined;
    rows.push({
      target: `RSS after load within 20% of idle, ${c.label}`,
      figure: back === undefined ? 'n/a (no /proc)' : `${signed(back)}: ${mb(c.afterRss)} ${c.settleS} s after vs ${mb(c.idleRss)} idle`,
      pass: back === undefined ? undefined : back <= 0.2,
    });
  }
  return rows;
}

export function targetTable(rows: TargetRow[]): string[] {
  const width = Math.max(...rows.map((row) => row.target.length));
  const figureWidth = Math.max(...rows.map((row) => row.figure.length));
  return rows.map((row) => `  ${row.target.padEnd(width)}   ${row.figure.padEnd(figureWidth)}   ${row.pass === undefined ? '-' : row.pass ? 'PASS' : 'MISS'}`);
}
