// The two loads. Closed loop: autocannon, a fixed number of connections each sending its next
// request when the last one answered (the most a server does at that concurrency). Open loop:
// requests on a fixed schedule over keep-alive connections (see open-loop.ts), for latency at a
// given rate. Both send the same traffic to the service and to the echo, and record the
// latency of every 2xx answer and how many failed.
import { Agent, request } from 'node:http';
import autocannon, { Result } from 'autocannon';
import { Outcome, OpenLoopResult, runOpenLoop } from './open-loop';
import { emptyTally, failedCount, Tally } from './stats';
import { Traffic } from './traffic';

export interface Target {
  /** http://127.0.0.1:<port>/v1/decisions, or the echo's /echo. */
  url: string;
  authorization: string;
}

export type WritePath = 'plain' | 'idempotency-key';

function headersFor(target: Target, traffic: Traffic, path: WritePath): Record<string, string> {
  const headers: Record<string, string> = { 'content-type': 'application/json', authorization: target.authorization };
  if (path === 'idempotency-key') headers['idempotency-key'] = traffic.idempotencyKey();
  return headers;
}

/** `seconds` of closed-loop load at `connections`, each request with the next body of `traffic`. */
export async function closedLoop(target: Target, traffic: Traffic, path: WritePath, connections: number, seconds: number): Promise<Tally> {
  const tally = emptyTally();
  const url = new URL(target.url);
  const result = await new Promise<Result>((resolve, reject) => {
    const instance = autocannon(
      {
        url: url.origin,
        connections,
        duration: seconds,
        requests: [
          {
            method: 'POST',
            path: url.pathname,
            setupRequest: (req) => ({ ...req, method: 'POST', path: url.pathname, body: traffic.body(), headers: headersFor(target, traffic, path) }),
          },
        ],
      },
      (error: unknown, done: Result) => (error ? reject(error instanceof Error ? error : new Error(String(error))) : resolve(done)),
    );
    instance.on('response', (_client, status, _bytes, ms) => {
      if (status >= 200 && status < 300) {
        tally.ok += 1;
        tally.latencies.push(ms);
      } else {
        tally.statuses.set(status, (tally.statuses.get(status) ?? 0) + 1);
      }
    });
  });
  tally.errors = result.errors;
  tally.seconds = (result.finish.getTime() - result.start.getTime()) / 1000;
  return tally;
}

/** A POST over `agent`, answered or not within `timeoutMs`; the body is read and dropped. */
function post(url: URL, agent: Agent, body: string, headers: Record<string, string>, timeoutMs: number): Promise<Outcome> {
  return new Promise((resolve) => {
    const req = request(url, { method: 'POST', agent, headers: { ...headers, 'content-length': Buffer.byteLength(body) } }, (response) => {
      response.resume();
      response.on('end', () => resolve({ status: response.statusCode ?? 0 }));
      response.on('error', (error) => resolve({ error: error.message }));
    });
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on('error', (error) => resolve({ error: error.message }));
    req.end(body);
  });
}

/**
 * `rate` requests a second, on schedule, over up to `maxSockets` keep-alive connections
 * (beyond, requests wait for one, and that wait counts in their latency): first `warmupS`
 * seconds not measured, then `seconds` measured by `measure` (e.g. the target's CPU time), on
 * the same connections. The warm-up is wrk2's calibration period: a client sending 1,000
 * requests a second holds warm connections, and the first second of a cold start (connections
 * opened as requests pile up, the heap resized) is not the steady state the latency target is
 * about. Its failures are returned, to fail the run all the same.
 */
export async function openLoop(
  target: Target,
  traffic: Traffic,
  path: WritePath,
  schedule: { rate: number; seconds: number; warmupS: number },
  measure: (work: () => Promise<OpenLoopResult>) => Promise<OpenLoopResult> = (work) => work(),
  maxSockets = 256,
): Promise<{ measured: OpenLoopResult; warmupFailed: number }> {
  const url = new URL(target.url);
  const agent = new Agent({ keepAlive: true, maxSockets });
  const send = () => post(url, agent, traffic.body(), headersFor(target, traffic, path), 10_000);
  try {
    const warmup = schedule.warmupS > 0 ? await runOpenLoop({ ratePerSecond: schedule.rate, durationMs: schedule.warmupS * 1000 }, send) : undefined;
    const measured = await measure(() => runOpenLoop({ ratePerSecond: schedule.rate, durationMs: schedule.seconds * 1000 }, send));
    return { measured, warmupFailed: warmup ? failedCount(warmup) : 0 };
  } finally {
    agent.destroy();
  }
}
