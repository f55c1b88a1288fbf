// `linetrust bench <which> [flags]`: the benchmarks (docs/benchmarks.md). Each is a script of
// its own with its own flags and its own child processes and clean-up; this runs it as a child
// with the flags as given, and exits with its code. They need the dev dependencies (autocannon).
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { PACKAGE_ROOT } from '../config/package-root';
import { CliContext, CommandSpec, CommandGroup, EXIT } from './command';
import { USAGE as DECISIONS_USAGE } from './bench/options';

/** Runs dist/cli/<script> with the arguments, forwarding SIGTERM (Ctrl-C reaches it directly). */
function runScript(script: string, args: string[], context: CliContext): Promise<number> {
  const file = join(PACKAGE_ROOT, 'dist', 'cli', script);
  if (!existsSync(file)) {
    context.out.error(`${file} is missing: build first (npm run build; the benches need the dev dependencies).`);
    return Promise.resolve(EXIT.failed);
  }
  const child = spawn(process.execPath, [file, ...args], { stdio: 'inherit', env: context.env as NodeJS.ProcessEnv });
  const forward = () => child.kill('SIGTERM');
  process.once('SIGTERM', forward);
  return new Promise((resolve) => {
    child.on('error', (error) => {
      context.out.error(`cannot start ${file}: ${error.message}`);
      resolve(EXIT.failed);
    });
    child.on('exit', (code, signal) => {
      process.removeListener('SIGTERM', forward);
      resolve(code ?? (signal ? 128 + 15 : EXIT.failed));
    });
  });
}

function bench(name: string, script: string, summary: string, flags: string, notes: string[], extra: string[] = []): CommandSpec {
  return {
    name,
    summary,
    args: flags,
    positionals: { min: 0, max: Infinity },
    options: {},
    passThrough: true,
    notes: [...notes, 'See docs/benchmarks.md for what it measures and how to read it.'],
    run: ({ positionals }, context) => runScript(script, [...extra, ...positionals], context),
  };
}

const decisionsFlags = DECISIONS_USAGE.replace(/^usage: npm run bench -- /, '').replace(/\s+/g, ' ');

export const benchCommands: CommandGroup = {
  name: 'bench',
  summary: 'benchmarks of this machine (need the dev dependencies; see docs/benchmarks.md)',
  commands: [
    bench('decisions', 'bench.js', 'decisions per second and latency of the whole path, next to a bare echo', '[flags]', [`flags: ${decisionsFlags}`, 'Alias: npm run bench. --http and --3legged: signals over HTTP from the sandbox operator.']),
    bench('backtest', 'bench-backtest.js', 'stored decisions replayed per second (BENCH_DECISIONS, default 100,000)', '[flags]', ['flags: --database sqlite|postgres. Alias: npm run bench:backtest. BENCH_POSTGRES_URL: the PostgreSQL server for --database postgres.']),
    bench('rules', 'bench-rules.js', 'policy evaluations per second: the compiled program against json-rules-engine', '', ['Alias: npm run bench:rules. BENCH_ROUNDS, BENCH_RUN_MS: sizes.']),
    bench('fleet', 'bench-fleet.js', "a fleet of service processes on PostgreSQL: starts, policy reach, shared rate limits, faults", '[flags]', [
      'flags: --only 1,3 --starts N --publishes N --poll-checks N --bursts N --sustained S --decisions N --baseline N --concurrency N --stall-ms N',
      'Alias: npm run bench:fleet. DATABASE_URL: the PostgreSQL server (default the local test database).',
    ]),
  ],
};
