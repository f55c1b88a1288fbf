// Figure 5: the slowest answer while the database stalls. Decisions flow on clean lines; another
// connection takes the Decision table in ACCESS EXCLUSIVE mode and holds it, so no decision can
// be committed. Each must still be answered by deadline + write budget: 503 with Retry-After,
// and not stored. Some requests carry an Idempotency-Key: that path writes in its own transaction.
import { setTimeout as sleep } from 'node:timers/promises';
import { Fleet, Report, roundRobin, serverDurations } from './fleet';
import { call, latencyLine } from './http';
import { CLEAN_LINES, decisionBody } from './operator';
import { checkAnswers, checkStored, Sent } from './stored';

const BEFORE_MS = 2000;
const AFTER_MS = 3000;

export async function measureDatabaseStall(report: Report, fleet: Fleet, stallMs: number, concurrency: number, runId: string): Promise<void> {
  const deadline = Number(fleet.env.DECISION_DEADLINE_MS);
  const budget = Number(fleet.env.DECISION_WRITE_BUDGET_MS);
  const prefix = `stall-${runId}-`;
  report.heading(`5. Slowest answer vs deadline under a database stall: DECISION_DEADLINE_MS=${deadline}, DECISION_WRITE_BUDGET_MS=${budget}, ${fleet.instances.length} instances`);
  report.line(`how: POST /v1/decisions on clean lines, ${concurrency} in flight round-robin, one in four with an Idempotency-Key; after ${BEFORE_MS} ms another`);
  report.line(`    connection runs LOCK TABLE "<schema>"."Decision" IN ACCESS EXCLUSIVE MODE in a transaction held ${stallMs} ms, then ROLLBACK;`);
  report.line(`    load goes on ${AFTER_MS} ms more; then the rows are read back by subjectId (one per request) and compared with the answers`);

  const sent: Sent[] = [];
  let stop = false;
  let n = 0;
  const worker = async () => {
    while (!stop) {
      const i = n++;
      const subjectId = `${prefix}${i}`;
      const headers: Record<string, string> = i % 4 === 3 ? { 'idempotency-key': `${prefix}key-${i}` } : {};
      const answer = await call(`${roundRobin(fleet, i).url}/v1/decisions`, fleet.decisionKey, 'POST', decisionBody(CLEAN_LINES[i % CLEAN_LINES.length], i, subjectId), headers);
      sent.push({ subjectId, answer });
    }
  };
  const marks = fleet.instances.map((instance) => instance.written());
  const workers = Array.from({ length: concurrency }, worker);
  let acquiredMs = Number.NaN;
  let lockedAt = Number.POSITIVE_INFINITY;
  let releasedAt = Number.POSITIVE_INFINITY;
  try {
    await sleep(BEFORE_MS);
    const lock = await report.database.lockDecisions(fleet.schema.name);
    acquiredMs = lock.acquiredMs;
    lockedAt = performance.now();
    try {
      await sleep(stallMs);
    } finally {
      await lock.release();
      releasedAt = performance.now();
    }
    await sleep(AFTER_MS);
  } finally {
    stop = true;
    await Promise.all(workers);
  }

  checkAnswers(report, sent, 'database stall');
  // Before: answered before the lock; after: sent after its release; the rest overlapped it.
  const phase = ({ answer }: Sent) => (answer.sentAt + answer.ms < lockedAt ? 'before' : answer.sentAt >= releasedAt ? 'after' : 'during');
  const of = (which: string) => sent.filter((entry) => phase(entry) === which);
  const times = (entries: Sent[]) => entries.map(({ answer }) => answer.ms);
  const refused = sent.filter(({ answer }) => answer.status === 503);
  const all = times(sent);
  report.line(`lock acquired in ${Math.round(acquiredMs)} ms (it waits for the commits in flight)`);
  report.line(`baseline, answered before the lock: ${latencyLine(times(of('before')))}`);
  report.line(`RESULT in flight while the lock was held: ${latencyLine(times(of('during')))}`);
  report.line(`        sent after the release: ${latencyLine(times(of('after')))}`);
  report.line(
    `        all ${sent.length}: max ${Math.round(Math.max(...all))} ms; over ${deadline + budget} ms: ${all.filter((time) => time > deadline + budget).length};` +
      ` over ${deadline + budget + 50} ms: ${all.filter((time) => time > deadline + budget + 50).length}`,
  );
  report.line(
    `        503: ${refused.length} (${refused.filter(({ answer }) => answer.retryAfter !== null).length} with Retry-After; ` +
      `${refused.filter(({ subjectId }) => subjectId.length > 0 && Number(subjectId.slice(prefix.length)) % 4 === 3).length} of them with an Idempotency-Key); ` +
      `201: ${sent.filter(({ answer }) => answer.status === 201).length}`,
  );
  const server = serverDurations(fleet.instances, marks, 503);
  report.line(
    `        the 503s: client-side ${latencyLine(times(refused))}; server-side (AccessLog durationMs) ` +
      (server ? latencyLine(server) : 'not available (log tail dropped)'),
  );
  await checkStored(report, fleet.schema.name, prefix, sent);
}
