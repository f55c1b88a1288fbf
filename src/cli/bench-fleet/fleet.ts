// A fleet: N instances on one schema, started at the same moment, and what every figure
// shares (the report, the product problems found on the way).
import { BenchDatabase } from './database';
import { Child, freePort, startService } from './processes';

export const FLEET_SIZE = 3;

/** Starts `size` instances in the same tick, ports chosen first, so they race on the empty schema. */
export async function startTogether(size: number, env: Record<string, string>): Promise<Child[]> {
  const ports: number[] = [];
  for (let i = 0; i < size; i++) ports.push(await freePort());
  return ports.map((port) => startService(port, env));
}

/** Stops every instance; one that ignores SIGTERM is SIGKILLed after the grace period. */
export async function stopAll(children: Child[]): Promise<void> {
  await Promise.all(children.map((child) => child.stop()));
}

/** The fleet the figures 2 to 5 run on, and the keys they use. */
export interface Fleet {
  schema: { name: string; url: string };
  instances: Child[];
  /** scope admin, unthrottled: publishes and reads policies. */
  adminKey: string;
  /** scope decisions:write, unthrottled. */
  decisionKey: string;
  /** The instances' settings that the figures depend on. */
  env: Record<string, string>;
}

/** What the figures write: the printed report, and product problems for the closing list. */
export class Report {
  readonly problems: string[] = [];

  constructor(readonly database: BenchDatabase) {}

  heading(title: string): void {
    console.log(`\n== ${title}`);
  }

  line(text: string): void {
    console.log(`   ${text}`);
  }

  /** A product behaviour the issue says must not happen; listed again at the end. */
  problem(text: string): void {
    this.problems.push(text);
    console.log(`   PROBLEM: ${text}`);
  }
}

/** Round-robin target: the i-th request goes to instance i mod N. */
export const roundRobin = (fleet: Fleet, index: number) => fleet.instances[index % fleet.instances.length];

/**
 * The first line of an instance's output that says why it stopped: a start-up refusal, an
 * error entry. The service's log masks phone numbers already; this only shortens.
 */
export function whyItStopped(output: string): string {
  const lines = output.split('\n').filter((text) => text.trim() !== '');
  const telling = lines.find((text) => /cannot start|"level":"(error|fatal)"|Error/.test(text)) ?? lines[lines.length - 1] ?? '(no output)';
  return telling.length > 300 ? `${telling.slice(0, 300)}...` : telling;
}

/**
 * The service's own durations (AccessLog `http.durationMs`) of the decisions answered `status`
 * since `marks`: set apart from the client's, they tell the server's overshoot from queueing.
 * Only what is logged at LOG_LEVEL warn is there: 5xx answers (error level), not 201s.
 */
export function serverDurations(instances: Child[], marks: number[], status: number): number[] | undefined {
  const durations: number[] = [];
  for (const [i, instance] of instances.entries()) {
    const text = instance.since(marks[i]);
    if (text === undefined) return undefined;
    for (const line of text.split('\n')) {
      if (!line.includes('"AccessLog"')) continue;
      try {
        const http = (JSON.parse(line) as { http?: { route?: string; status?: number; durationMs?: number } }).http;
        if (http?.route === '/v1/decisions' && http.status === status && typeof http.durationMs === 'number') durations.push(http.durationMs);
      } catch {
        // not a JSON line (a start-up message)
      }
    }
  }
  return durations;
}
