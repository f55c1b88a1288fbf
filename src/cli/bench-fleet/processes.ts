// Child processes of `npm run bench:fleet`: service instances (the compiled dist/main.js, as a
// user runs it, not the TypeScript sources the tests start) and the sandbox operator server.
// Every child is tracked, so that nothing outlives the bench, whatever way it ends.
import { ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/** dist/, where this file runs from once built (dist/cli/bench-fleet/). */
const DIST = join(__dirname, '..', '..');

/** Keeps the tail of a child's output: why it died, and a figure's error-level access log lines. */
const OUTPUT_LIMIT = 1_048_576;

const running = new Set<ChildProcess>();

/** SIGKILL for whatever is still running: the last resort (exit, SIGINT, a failed stop). */
export function killLeftovers(): void {
  for (const child of running) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
}
process.on('exit', killLeftovers);

export interface Child {
  url: string;
  process: ChildProcess;
  /** The tail of what it wrote on stdout and stderr. */
  output(): string;
  /** How many characters it has written so far: a mark for `since`. */
  written(): number;
  /** What it wrote after `mark`, or undefined when that much has been dropped from the tail. */
  since(mark: number): string | undefined;
  /** True once it has exited, for whatever reason. */
  exited(): boolean;
  /** SIGTERM, then SIGKILL if it has not exited within `graceMs`. */
  stop(graceMs?: number): Promise<void>;
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

/** Starts `dist/<script>` with `env` on top of the bench's environment; does not wait for it. */
export function startNode(script: string, port: number, env: Record<string, string>): Child {
  const child = spawn(process.execPath, [join(DIST, script)], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  running.add(child);
  let output = '';
  let written = 0;
  const keep = (chunk: Buffer) => {
    const text = chunk.toString();
    written += text.length;
    output += text;
    if (output.length > OUTPUT_LIMIT) output = output.slice(-OUTPUT_LIMIT);
  };
  const since = (mark: number) => (written - mark > output.length ? undefined : output.slice(output.length - (written - mark)));
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exit = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  void exit.then(() => running.delete(child));
  const exited = () => child.exitCode !== null || child.signalCode !== null;
  const stop = async (graceMs = 5000) => {
    if (exited()) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    await exit;
    clearTimeout(timer);
  };
  return { url: `http://127.0.0.1:${port}`, process: child, output: () => output, written: () => written, since, exited, stop };
}

/** A service instance on a port of its own, with the bench's log settings. */
export function startService(port: number, env: Record<string, string>): Child {
  // warn: the access log of thousands of requests would cost CPU the measurement needs.
  return startNode('main.js', port, { NODE_ENV: 'development', LOG_LEVEL: 'warn', LOG_FORMAT: 'json', HOST: '127.0.0.1', PORT: String(port), ...env });
}

/** Resolves when GET /health/ready answers 200; throws if the process exits or `limitMs` passes. */
export async function waitReady(child: Child, limitMs = 60_000): Promise<number> {
  const started = Date.now();
  while (Date.now() - started < limitMs) {
    if (child.exited()) throw new Error(`exited (code ${child.process.exitCode ?? child.process.signalCode}) before ready`);
    try {
      const response = await fetch(`${child.url}/health/ready`);
      await response.arrayBuffer();
      if (response.status === 200) return Date.now() - started;
    } catch {
      // not listening yet
    }
    await sleep(50);
  }
  throw new Error(`not ready within ${limitMs} ms`);
}

/** Resolves once the child answers anything over HTTP (the sandbox has no readiness route). */
export async function waitListening(child: Child, limitMs = 30_000): Promise<void> {
  const started = Date.now();
  while (Date.now() - started < limitMs) {
    if (child.exited()) throw new Error(`exited (code ${child.process.exitCode}):\n${child.output()}`);
    try {
      await (await fetch(child.url)).arrayBuffer();
      return;
    } catch {
      await sleep(100);
    }
  }
  throw new Error(`${child.url} not listening within ${limitMs} ms`);
}
