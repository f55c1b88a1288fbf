// Figure 3: requests admitted against a key's budget across the fleet. The fleet's windows are
// wall-clock seconds, so bursts are sent just after a second begins: one burst, one window.
import { setTimeout as sleep } from 'node:timers/promises';
import { Fleet, Report, roundRobin } from './fleet';
import { Answer, call, createKey, spread, statusCounts } from './http';
import { Child } from './processes';

const RATE = 10;
const BURST = 60;
/** Open-loop pace of the sustained load: six times the budget. */
const SUSTAINED_PER_SECOND = 60;

const count = (value: number) => String(Math.round(value * 10) / 10);

/** Waits until the wall clock is within the first 20 ms of a second. */
async function alignToSecond(): Promise<void> {
  while (Date.now() % 1000 > 20) {
    const left = 1000 - (Date.now() % 1000);
    await sleep(left > 60 ? left - 50 : 1);
  }
}

/** Answers that are not 200 must be 429 with Retry-After: anything else is a product problem. */
function checkRefusals(report: Report, answers: Answer[], what: string): void {
  const wrong = answers.filter((answer) => answer.status !== 200 && !(answer.status === 429 && answer.retryAfter !== null));
  if (wrong.length > 0) report.problem(`${what}: ${wrong.length} refusals other than 429 with Retry-After (${statusCounts(wrong)})`);
}

/** 60 requests at once after a second boundary; admitted count and the windows they spanned. */
async function burst(key: string, target: (index: number) => Child): Promise<{ admitted: number; windows: number; answers: Answer[] }> {
  await alignToSecond();
  const first = Date.now();
  const answers = await Promise.all(Array.from({ length: BURST }, (_, i) => call(`${target(i).url}/v1/policies`, key, 'GET')));
  const last = Date.now();
  return { admitted: answers.filter((answer) => answer.status === 200).length, windows: Math.floor(last / 1000) - Math.floor(first / 1000) + 1, answers };
}

export async function measureRateLimit(report: Report, fleet: Fleet, bursts: number, sustainedSeconds: number): Promise<void> {
  const size = fleet.instances.length;
  report.heading(`3. Admitted vs budget across instances: a key at ${RATE}/s, RATE_LIMIT_BURST_SECONDS=${fleet.env.RATE_LIMIT_BURST_SECONDS}, ${size} instances`);
  report.line(`how: bursts of ${BURST} concurrent GET /v1/policies sent within the first 20 ms of a wall-clock second, round-robin over the instances;`);
  report.line(`    then ${SUSTAINED_PER_SECOND} requests/s open-loop for ${sustainedSeconds} s, admitted counted per second of sending`);
  const key = await createKey(fleet.schema.url, 'policies:read', RATE);

  // Baseline: the same burst on one instance, which holds the budget alone.
  const single = await burst(key, () => fleet.instances[0]);
  checkRefusals(report, single.answers, 'single-instance burst');
  report.line(`baseline, one instance: ${single.admitted} of ${BURST} admitted against ${RATE} (${single.windows} window(s))`);
  await sleep(1000);

  const admitted: number[] = [];
  const perInstance: string[] = [];
  for (let i = 0; i < bursts; i++) {
    const result = await burst(key, (index) => roundRobin(fleet, index));
    checkRefusals(report, result.answers, `fleet burst ${i + 1}`);
    if (result.admitted > RATE * result.windows) report.problem(`fleet burst ${i + 1}: ${result.admitted} admitted, over ${RATE} x ${result.windows} window(s)`);
    admitted.push(result.admitted);
    const split = fleet.instances.map((_, n) => result.answers.filter((answer, index) => index % size === n && answer.status === 200).length);
    perInstance.push(`${result.admitted}${result.windows > 1 ? ` (${result.windows} windows)` : ''} [${split.join('+')}]`);
    await sleep(1000);
  }
  report.line(`RESULT bursts: admitted per burst of ${BURST} against ${RATE}: ${perInstance.join(', ')}   ([per instance])`);
  report.line(`        ${spread(admitted, count)}`);

  if (sustainedSeconds > 0) await sustained(report, fleet, key, sustainedSeconds);
}

async function sustained(report: Report, fleet: Fleet, key: string, seconds: number): Promise<void> {
  await alignToSecond();
  const start = Date.now();
  const total = SUSTAINED_PER_SECOND * seconds;
  const sent: Promise<{ second: number; answer: Answer }>[] = [];
  for (let i = 0; i < total; i++) {
    const due = start + (i * 1000) / SUSTAINED_PER_SECOND;
    const wait = due - Date.now();
    if (wait > 0) await sleep(wait);
    const second = Math.floor(Date.now() / 1000);
    sent.push(call(`${roundRobin(fleet, i).url}/v1/policies`, key, 'GET').then((answer) => ({ second, answer })));
  }
  const answers = await Promise.all(sent);
  checkRefusals(report, answers.map(({ answer }) => answer), 'sustained load');
  const bySecond = new Map<number, number>();
  for (const { second, answer } of answers) bySecond.set(second, (bySecond.get(second) ?? 0) + (answer.status === 200 ? 1 : 0));
  const perSecond = [...bySecond.entries()].sort(([a], [b]) => a - b).map(([, n]) => n);
  const admitted = perSecond.reduce((sum, n) => sum + n, 0);
  const elapsed = (Date.now() - start) / 1000;
  report.line(`RESULT sustained: ${admitted} of ${total} admitted in ${perSecond.length} one-second windows = ${(admitted / perSecond.length).toFixed(1)}/s against ${RATE}/s`);
  report.line(`        per window: ${perSecond.join(', ')}   (load ran ${elapsed.toFixed(1)} s; a window is counted by when its requests were sent)`);
  if (Math.max(...perSecond) > RATE) report.line(`        note: a window over ${RATE} here can be send-time bucketing at a boundary; the bursts above are the strict check`);
}
