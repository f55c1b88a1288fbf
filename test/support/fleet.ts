import { ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { starterRulesDir } from './starter-rules';

const ROOT = join(__dirname, '..', '..');

/** One service process of a fleet: started from the sources, killed at will. */
export interface Instance {
  url: string;
  process: ChildProcess;
  /** What the process wrote to stderr and stdout (start-up refusals, crashes). */
  output(): string;
  /** SIGKILL: no shutdown hook runs, as in a power cut or an OOM kill. */
  kill9(): Promise<void>;
  stop(): Promise<void>;
}

/** What logMessages has parsed of each instance's output so far. */
const parsed = new WeakMap<Instance, { upTo: number; messages: string[] }>();

/**
 * The `msg` of the JSON log lines the instance has written so far. Parsed once each: a test
 * that waits for a line after a load polls this every 50 ms, and parsing the load's access log
 * (15,000 lines) anew each time kept a core a third busy beside the instance it measures.
 */
export function logMessages(instance: Instance): string[] {
  const output = instance.output(); // only ever grows
  let seen = parsed.get(instance);
  if (!seen) parsed.set(instance, (seen = { upTo: 0, messages: [] }));
  const end = output.lastIndexOf('\n') + 1; // whole lines only: the last may be half written
  for (const line of output.slice(seen.upTo, end).split('\n')) {
    if (line.startsWith('{')) seen.messages.push((JSON.parse(line) as { msg: string }).msg);
  }
  seen.upTo = end;
  return [...seen.messages];
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

/** Starts `src/main.ts` in a child process with `env` (RULES_DIR: the run's starter snapshot unless set), on a free port; does not wait for it. */
export async function startInstance(env: Record<string, string>): Promise<Instance> {
  const port = await freePort();
  const child = spawn(process.execPath, ['-r', join(ROOT, 'test', 'support', 'ts-register.js'), join(ROOT, 'src', 'main.ts')], {
    cwd: ROOT,
    env: { ...process.env, NODE_ENV: 'test', LOG_LEVEL: 'warn', LOG_FORMAT: 'json', HOST: '127.0.0.1', PORT: String(port), RULES_DIR: starterRulesDir(), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const end = async (signal: NodeJS.Signals) => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    await exited;
  };
  return { url: `http://127.0.0.1:${port}`, process: child, output: () => output, kill9: () => end('SIGKILL'), stop: () => end('SIGTERM') };
}

/** The instance's first log message that matches, once there is one; fails with its output after `limitMs`. */
export async function messageMatching(instance: Instance, pattern: RegExp, limitMs = 10_000): Promise<string> {
  const deadline = Date.now() + limitMs;
  for (;;) {
    const found = logMessages(instance).find((msg) => pattern.test(msg));
    if (found !== undefined) return found;
    if (Date.now() > deadline) throw new Error(`no line matching ${pattern} within ${limitMs} ms:\n${instance.output()}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Resolves when GET /health/ready answers 200; fails with the instance's output if it exits or takes over `limitMs`. */
export async function waitReady(instance: Instance, limitMs = 60_000): Promise<void> {
  const started = Date.now();
  while (Date.now() - started < limitMs) {
    if (instance.process.exitCode !== null) throw new Error(`instance exited (${instance.process.exitCode}):\n${instance.output()}`);
    try {
      const response = await fetch(`${instance.url}/health/ready`);
      if (response.status === 200) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`instance not ready within ${limitMs} ms:\n${instance.output()}`);
}
