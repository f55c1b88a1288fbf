// The bench's child processes (the compiled service, the echo server, the sandbox operator)
// and its temp folder. Each child runs in a process group of its own, so that killing the group
// also ends the workers a WORKERS=N service forked; its output goes to a file in the temp
// folder, not the terminal. Whatever way the bench ends (done, failed, SIGINT, SIGTERM), the
// groups are killed and the folder removed.
import { ChildProcess, spawn } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/** dist/, where this file runs from once built (dist/cli/bench/). */
const DIST = join(__dirname, '..', '..');

const running = new Set<ChildProcess>();
const folders = new Set<string>();
const cleanups: (() => Promise<void>)[] = [];

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    child.kill(signal);
  }
}

/** Synchronous: children (their groups) killed, temp folders removed. Safe to call twice. */
export function cleanUpNow(): void {
  for (const child of running) killGroup(child, 'SIGKILL');
  for (const folder of folders) rmSync(folder, { recursive: true, force: true });
  folders.clear();
}

/** Asynchronous clean-up to run on SIGINT/SIGTERM too (dropping the run's database). */
export function onCleanUp(work: () => Promise<void>): void {
  cleanups.push(work);
}

export async function cleanUp(): Promise<void> {
  cleanUpNow();
  for (const work of cleanups.splice(0)) await work().catch((error: Error) => console.error(`clean-up: ${error.message}`));
}

let installed = false;
/** Kills and removes on exit, and on SIGINT/SIGTERM (then exits 130/143). */
export function installCleanUp(): void {
  if (installed) return;
  installed = true;
  process.on('exit', cleanUpNow);
  for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143]] as const) {
    process.once(signal, () => {
      console.error(`\n${signal}: stopping the children, removing the temp files`);
      void cleanUp().finally(() => process.exit(code));
    });
  }
}

export function tempFolder(): string {
  const folder = mkdtempSync(join(tmpdir(), 'linetrust-bench-'));
  folders.add(folder);
  return folder;
}

/** A port nothing listens on now (the OS picks it). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no TCP port');
  return address.port;
}

export interface Child {
  name: string;
  url: string;
  pid: number;
  logFile: string;
  exited(): boolean;
  /** `exit code 1`, `killed by SIGKILL`, or `running`. */
  state(): string;
  /** The last lines of its output, to show why it failed. */
  tail(lines?: number): string;
  /** SIGTERM to its group, SIGKILL after `graceMs`. */
  stop(graceMs?: number): Promise<void>;
}

/**
 * Starts `dist/<script>` on `port` with `env` over the bench's environment; output to a file in
 * `folder`. `nodeArgs` go before the script (e.g. `--cpu-prof`, which NODE_OPTIONS refuses).
 */
export function startNode(name: string, script: string, port: number, env: NodeJS.ProcessEnv, folder: string, nodeArgs: readonly string[] = []): Child {
  const logFile = join(folder, `${name}.log`);
  const fd = openSync(logFile, 'a');
  const child = spawn(process.execPath, [...nodeArgs, join(DIST, script)], { env, stdio: ['ignore', fd, fd], detached: true });
  closeSync(fd);
  if (child.pid === undefined) throw new Error(`${name} did not start`);
  running.add(child);
  const exit = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  void exit.then(() => running.delete(child));
  const exited = () => child.exitCode !== null || child.signalCode !== null;
  const tail = (lines = 20) => {
    try {
      return readFileSync(logFile, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
    } catch {
      return '(no output)';
    }
  };
  const stop = async (graceMs = 10_000) => {
    if (exited()) return;
    killGroup(child, 'SIGTERM');
    const timer = setTimeout(() => killGroup(child, 'SIGKILL'), graceMs);
    await exit;
    clearTimeout(timer);
  };
  const state = () => (child.signalCode ? `killed by ${child.signalCode}` : child.exitCode !== null ? `exit code ${child.exitCode}` : 'running');
  return { name, url: `http://127.0.0.1:${port}`, pid: child.pid, logFile, exited, state, tail, stop };
}

/** Resolves once `path` answers `status` (any status if undefined); throws if the child exits first. */
export async function waitAnswering(child: Child, path: string, status?: number, limitMs = 60_000): Promise<void> {
  const started = Date.now();
  while (Date.now() - started < limitMs) {
    if (child.exited()) throw new Error(`${child.name} exited before it was ready (${child.state()}):\n${child.tail()}`);
    try {
      const response = await fetch(`${child.url}${path}`);
      await response.arrayBuffer();
      if (status === undefined || response.status === status) return;
    } catch {
      // not listening yet
    }
    await sleep(100);
  }
  throw new Error(`${child.name} not ready within ${limitMs} ms:\n${child.tail()}`);
}
