// Figure 4: the slowest answer against DECISION_DEADLINE_MS while the operator misbehaves. The
// same fleet and operator first answer clean lines only (the baseline), then a mix where most
// lines suffer a fault. Signal caching is off and circuits never open (see main), so every
// decision waits on the faulty operator: the worst case for the deadline, not the usual one.
import { Fleet, Report, roundRobin, serverDurations } from './fleet';
import { call, latencyLine, pool, statusCounts } from './http';
import { CLEAN_LINES, decisionBody, FAULT_LINES } from './operator';
import { checkAnswers, checkStored, Sent } from './stored';

/** Slack over the deadline for the policy and the answer, the 1050 ms line. */
const TIGHT_MARGIN_MS = 50;

async function decide(fleet: Fleet, lines: string[], total: number, concurrency: number, prefix: string): Promise<Sent[]> {
  return pool(total, concurrency, async (i) => {
    const subjectId = `${prefix}-${i}`;
    // The line changes with every request, the use case every full turn of the lines.
    const body = decisionBody(lines[i % lines.length], Math.floor(i / lines.length), subjectId);
    return { subjectId, answer: await call(`${roundRobin(fleet, i).url}/v1/decisions`, fleet.decisionKey, 'POST', body) };
  });
}

function summarise(report: Report, label: string, sent: Sent[], deadline: number, budget: number): void {
  const times = sent.map(({ answer }) => answer.ms);
  const over = (limit: number) => times.filter((time) => time > limit).length;
  const refused = sent.filter(({ answer }) => answer.status === 503);
  report.line(`${label}: ${latencyLine(times)}`);
  report.line(
    `        over ${deadline + budget} ms (deadline + DECISION_WRITE_BUDGET_MS): ${over(deadline + budget)};` +
      ` over ${deadline + TIGHT_MARGIN_MS} ms: ${over(deadline + TIGHT_MARGIN_MS)}; 503: ${refused.length}` +
      ` (${refused.filter(({ answer }) => answer.retryAfter !== null).length} with Retry-After); statuses ${statusCounts(sent.map(({ answer }) => answer))}`,
  );
}

export async function measureOperatorFaults(report: Report, fleet: Fleet, decisions: number, baselineDecisions: number, concurrency: number, runId: string): Promise<void> {
  const deadline = Number(fleet.env.DECISION_DEADLINE_MS);
  const budget = Number(fleet.env.DECISION_WRITE_BUDGET_MS);
  const mix = [...FAULT_LINES.map((line) => line.phoneNumber), ...CLEAN_LINES.slice(0, 2)];
  report.heading(`4. Slowest answer vs deadline under operator faults: DECISION_DEADLINE_MS=${deadline}, DECISION_WRITE_BUDGET_MS=${budget}, ${fleet.instances.length} instances`);
  report.line(`how: POST /v1/decisions round-robin, ${concurrency} in flight, latency measured by the client (send to full body);`);
  report.line(`    signals over HTTP from the sandbox operator (client credentials), CACHE_TTL_*_S=0 and CIRCUIT_FAILURE_THRESHOLD=${fleet.env.CIRCUIT_FAILURE_THRESHOLD}`);
  report.line(`    so every decision calls the operator; SIGNAL_TIMEOUT_MS 1500, SIGNAL_MAX_ATTEMPTS 3 (defaults); use cases onboarding, p2p_recipient, account_recovery`);
  report.line(`    faulty run: the lines in turn, ${FAULT_LINES.length} of ${mix.length} faulty, each fault on every API:`);
  for (const line of FAULT_LINES) report.line(`      - ${line.kind}`);

  if (baselineDecisions > 0) {
    const baseline = await decide(fleet, CLEAN_LINES, baselineDecisions, concurrency, `fault-base-${runId}`);
    checkAnswers(report, baseline, 'operator baseline');
    summarise(report, 'baseline, no fault (clean lines)', baseline, deadline, budget);
  }
  const marks = fleet.instances.map((instance) => instance.written());
  const started = performance.now();
  const faulty = await decide(fleet, mix, decisions, concurrency, `fault-${runId}`);
  const elapsed = (performance.now() - started) / 1000;
  checkAnswers(report, faulty, 'operator faults');
  summarise(report, `RESULT under faults, ${decisions} decisions in ${elapsed.toFixed(1)} s`, faulty, deadline, budget);
  const faultyOnly = faulty.filter((_, i) => i % mix.length < FAULT_LINES.length).map(({ answer }) => answer.ms);
  report.line(`        faulty lines only: ${latencyLine(faultyOnly)}`);
  const server = serverDurations(fleet.instances, marks, 503);
  if (server && server.length > 0) report.line(`        the 503s, server-side (AccessLog durationMs): ${latencyLine(server)}`);
  await checkStored(report, fleet.schema.name, `fault-${runId}-`, faulty);
}
