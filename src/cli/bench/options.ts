// `npm run bench` flags. Every figure the bench prints is measured with these, and printed
// with them, so that a reader knows what was measured.
import { option } from '../cli-io';

export type SignalMode = 'built-in' | 'client_credentials' | 'ciba';

export const MODE_LABEL: Record<SignalMode, string> = {
  'built-in': 'built-in sandbox',
  client_credentials: 'HTTP, client credentials (2-legged)',
  ciba: 'HTTP, CIBA 3-legged tokens (warm)',
};

export interface BenchOptions {
  database: 'sqlite' | 'postgres';
  /** The server and an existing database to connect to, to create and drop the run's own. */
  postgresUrl: string;
  /** Signal modes, each measured with each `workers` count. */
  modes: SignalMode[];
  /** WORKERS values, each a configuration of its own (1: one process). */
  workers: number[];
  /** Closed-loop: connections and seconds per phase. */
  connections: number;
  durationS: number;
  /** Rounds of A B A B: service and echo in turn. */
  rounds: number;
  /** Open loop: requests per second and seconds per phase. */
  rate: number;
  rateDurationS: number;
  warmupS: number;
  /** Seconds at the open loop's rate, on the same connections, before each measured open-loop phase. */
  rateWarmupS: number;
  /** Distinct phone numbers in the traffic. */
  numbers: number;
  /**
   * Seconds without load at which the after-load RSS is read, ascending. More than one: V8 gives
   * its heap's reserve back only once allocation has stopped for about 8 s (its memory reducer).
   */
  settleS: number[];
}

export const USAGE = `usage: npm run bench -- [--database sqlite|postgres] [--workers 1,2] [--duration S] [--rounds N]
  [--connections N] [--rate N] [--rate-duration S] [--rate-warmup S] [--warmup S] [--numbers N] [--settle S[,S...]] [--http] [--3legged]`;

const DEFAULT_POSTGRES = 'postgresql://postgres@127.0.0.1:5432/test';

function whole(args: string[], name: string, fallback: number, min: number): number {
  const value = option(args, name);
  if (value === undefined) return fallback;
  if (!/^\d+(\.\d+)?$/.test(value) || Number(value) < min) throw new Error(`${name} takes a number of at least ${min}, not "${value ?? ''}"`);
  return Number(value);
}

/** `5,30`: seconds after the load, ascending, at least one. */
function settlePoints(text: string): number[] {
  const points = text.split(',').map((item) => item.trim());
  const valid = points.every((item) => /^\d+$/.test(item)) && points.every((item, i) => i === 0 || Number(item) > Number(points[i - 1]));
  if (!valid) throw new Error(`--settle takes ascending whole seconds like 5,30, not "${text}"`);
  return points.map(Number);
}

/**
 * Reads argv and the environment. BENCH_DURATION and BENCH_CONNECTIONS are the older way to set
 * --duration and --connections; WORKERS, when set, is --workers; a postgresql:// BENCH_DATABASE_URL
 * is --database postgres on that server. `cpus` picks the default workers: 1 and 2 on 2 cores or
 * more (the done criteria ask for both), with the built-in sandbox only.
 */
export function parseOptions(args: string[], env: NodeJS.ProcessEnv, cpus: number): BenchOptions {
  const known = new Set(['--database', '--workers', '--duration', '--rounds', '--connections', '--rate', '--rate-duration', '--rate-warmup', '--warmup', '--numbers', '--settle', '--http', '--3legged']);
  const flags = new Set(['--http', '--3legged']);
  for (let i = 0; i < args.length; i++) {
    if (!known.has(args[i])) throw new Error(`unknown argument "${args[i]}"\n${USAGE}`);
    if (!flags.has(args[i])) i++;
  }
  const legacyUrl = env.BENCH_DATABASE_URL;
  const legacyPostgres = legacyUrl !== undefined && /^postgres(ql)?:\/\//.test(legacyUrl);
  const database = option(args, '--database') ?? (legacyPostgres ? 'postgres' : 'sqlite');
  if (database !== 'sqlite' && database !== 'postgres') throw new Error(`--database takes sqlite or postgres, not "${database}"`);
  const threeLegged = args.includes('--3legged');
  const modes: SignalMode[] = threeLegged ? ['client_credentials', 'ciba'] : args.includes('--http') ? ['client_credentials'] : ['built-in'];
  const workersText = option(args, '--workers') ?? env.WORKERS ?? (modes[0] === 'built-in' && cpus >= 2 ? '1,2' : '1');
  const workers = workersText.split(',').map((item) => item.trim());
  if (workers.some((item) => !/^[1-9]\d*$/.test(item))) throw new Error(`--workers takes a list of whole numbers like 1,2, not "${workersText}"`);
  const durationS = whole(args, '--duration', Number(env.BENCH_DURATION ?? 5), 1);
  return {
    database,
    postgresUrl: legacyPostgres ? legacyUrl : (env.BENCH_POSTGRES_URL ?? DEFAULT_POSTGRES),
    modes,
    workers: [...new Set(workers.map(Number))],
    connections: whole(args, '--connections', Number(env.BENCH_CONNECTIONS ?? 50), 1),
    durationS,
    rounds: whole(args, '--rounds', 3, 1),
    rate: whole(args, '--rate', 1000, 1),
    rateDurationS: whole(args, '--rate-duration', durationS, 1),
    warmupS: whole(args, '--warmup', 2, 0),
    rateWarmupS: whole(args, '--rate-warmup', 1, 0),
    numbers: whole(args, '--numbers', 10_000, 1),
    settleS: settlePoints(option(args, '--settle') ?? '5,30'),
  };
}
