// Figure 2: seconds for a publish to reach every instance. A version is published through one
// instance (the HTTP API, as an analyst's tooling does); every instance is polled until its
// GET /v1/policies lists that version as running and in sync with the fleet's row.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { PACKAGE_ROOT } from '../../config/package-root';
import { Fleet, Report, roundRobin } from './fleet';
import { call, spread } from './http';
import { Child } from './processes';

const POLICY = 'onboarding';
const LIMIT_MS = 15_000;
const POLL_EVERY_MS = 10;

const seconds = (value: number) => `${(value / 1000).toFixed(3)} s`;

/** Milliseconds from `since` (performance.now()) until `instance` runs `version`, or undefined past LIMIT_MS. */
async function untilServed(instance: Child, key: string, version: string, since: number): Promise<number | undefined> {
  while (performance.now() - since < LIMIT_MS) {
    const listed = await call(`${instance.url}/v1/policies`, key, 'GET');
    const items = (listed.body?.items ?? []) as { id: string; version: string; inSync: boolean }[];
    const served = items.find((item) => item.id === POLICY);
    if (served?.version === version && served.inSync) return performance.now() - since;
    await sleep(POLL_EVERY_MS);
  }
  return undefined;
}

/** The slowest instance's time for one change, from `since`; a miss is reported and skipped. */
async function slowest(report: Report, fleet: Fleet, version: string, since: number, what: string): Promise<number | undefined> {
  const times = await Promise.all(fleet.instances.map((instance) => untilServed(instance, fleet.adminKey, version, since)));
  const missed = times.filter((time) => time === undefined).length;
  if (missed > 0) {
    report.problem(`${what}: ${missed} of ${times.length} instances did not run version ${version} within ${LIMIT_MS} ms`);
    return undefined;
  }
  return Math.max(...(times as number[]));
}

export async function measurePublish(report: Report, fleet: Fleet, publishes: number, pollChecks: number): Promise<void> {
  const pollMs = fleet.env.POLICY_POLL_MS ?? '2000 (default)';
  report.heading(`2. Time for a publish to reach every instance: ${fleet.instances.length} instances, POLICY_SOURCE=database, POLICY_POLL_MS ${pollMs}`);
  report.line(`how: POST /v1/policies/${POLICY}/versions (admin key) through instance i mod ${fleet.instances.length}, a new description each time;`);
  report.line(`    every instance polled (GET /v1/policies every ${POLL_EVERY_MS} ms) until it runs the version, inSync; per publish the slowest instance`);
  const base = JSON.parse(readFileSync(join(PACKAGE_ROOT, 'rules', `${POLICY}.json`), 'utf8')) as Record<string, unknown>;
  const fromAnswer: number[] = [];
  const fromRequest: number[] = [];
  const versions: string[] = [];
  for (let i = 0; i < publishes; i++) {
    const policy = { ...base, description: `Onboarding, bench:fleet publish ${i + 1} at ${new Date().toISOString()}` };
    const sent = performance.now();
    const published = await call(`${roundRobin(fleet, i).url}/v1/policies/${POLICY}/versions`, fleet.adminKey, 'POST', { policy });
    const answered = performance.now();
    if (published.status !== 201) {
      report.problem(`publish ${i + 1} answered ${published.status}: ${JSON.stringify(published.body)}`);
      continue;
    }
    const version = String(published.body?.version);
    versions.push(version);
    const slowestMs = await slowest(report, fleet, version, answered, `publish ${i + 1}`);
    if (slowestMs !== undefined) {
      fromAnswer.push(slowestMs);
      fromRequest.push(slowestMs + (answered - sent));
    }
    await sleep(200);
  }
  report.line(`RESULT: slowest instance after the publish was answered, ${fromAnswer.length} publishes: ${spread(fromAnswer, seconds)}`);
  report.line(`        the same counted from when the publish request was sent: ${spread(fromRequest, seconds)}`);
  report.line(`        per publish (ms after answer): ${fromAnswer.map((value) => Math.round(value)).join(', ')}`);
  const pollEvery = Number(fleet.env.POLICY_POLL_MS ?? 2000);
  // A poll-carried change lands anywhere in 0..POLICY_POLL_MS; all far below it is the NOTIFY.
  if (fromAnswer.length > 0 && Math.max(...fromAnswer) < pollEvery / 4) {
    report.line(`note: all far below POLICY_POLL_MS, so the NOTIFY sent in the activation's transaction carried them, not the poll`);
  } else {
    report.line(`note: some took a good part of POLICY_POLL_MS: the poll, not the NOTIFY, may have carried them`);
  }
  if (pollChecks > 0 && versions.length >= 2) await measurePollFallback(report, fleet, versions.slice(-2), pollChecks, pollMs);
}

/**
 * The safety net: an activation nobody is notified of (a NOTIFY missed while a listener was
 * reconnecting), made here by updating the row directly, so only each instance's poll finds it.
 */
async function measurePollFallback(report: Report, fleet: Fleet, pair: string[], checks: number, pollMs: string): Promise<void> {
  const times: number[] = [];
  for (let i = 0; i < checks; i++) {
    const version = pair[i % 2];
    const since = performance.now();
    await report.database.query(
      `UPDATE "${fleet.schema.name}"."ActivePolicy" SET "version" = $1, "revision" = "revision" + 1, "activatedAt" = now(), "activatedBy" = 'bench:no-notify' WHERE "policyId" = $2`,
      [version, POLICY],
    );
    const slowestMs = await slowest(report, fleet, version, since, `activation without NOTIFY ${i + 1}`);
    if (slowestMs !== undefined) times.push(slowestMs);
  }
  report.line(`baseline, poll only: ${checks} activations by a direct UPDATE of ActivePolicy (no NOTIFY), slowest instance: ${spread(times, seconds)}`);
  report.line(`        (bounded by POLICY_POLL_MS ${pollMs}: the path a missed notice takes)`);
}
