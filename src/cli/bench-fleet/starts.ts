// Figure 1: starts without a crash. Each round is a fresh, empty schema and three instances
// started in the same tick: they race to migrate it and to seed the fleet's active policies.
import { setTimeout as sleep } from 'node:timers/promises';
import { FLEET_SIZE, Report, startTogether, stopAll, whyItStopped } from './fleet';
import { spread } from './http';
import { waitReady } from './processes';

/** An instance that dies just after it said ready is a crash on start too. */
const AFTER_READY_MS = 500;

export async function measureStarts(report: Report, rounds: number): Promise<void> {
  report.heading(`1. Starts without a crash: ${FLEET_SIZE} instances started at the same moment on a fresh empty schema, ${rounds} rounds`);
  report.line('how: dist/main.js with POLICY_SOURCE=database, FLEET_STATE=auto (database); a round counts when every instance answers');
  report.line(`    GET /health/ready 200 and none has exited ${AFTER_READY_MS} ms later, and the schema holds one active version per use case at revision 1`);
  let clean = 0;
  const readyTimes: number[] = [];
  for (let round = 1; round <= rounds; round++) {
    const schema = report.database.newSchema('start');
    const env = { DATABASE_URL: schema.url, POLICY_SOURCE: 'database', RETENTION_INTERVAL_MINUTES: '0' };
    const instances = await startTogether(FLEET_SIZE, env);
    try {
      const started = await Promise.allSettled(instances.map((instance) => waitReady(instance)));
      await sleep(AFTER_READY_MS);
      const failures = started.flatMap((result, i) => {
        if (result.status === 'rejected') return [`instance ${i + 1} ${(result.reason as Error).message}: ${whyItStopped(instances[i].output())}`];
        return instances[i].exited() ? [`instance ${i + 1} exited after ready (code ${instances[i].process.exitCode}): ${whyItStopped(instances[i].output())}`] : [];
      });
      if (failures.length === 0) {
        const rows = await report.database.query<{ policyId: string; revision: number }>(`SELECT "policyId", "revision" FROM "${schema.name}"."ActivePolicy"`);
        if (rows.length === 0 || rows.some((row) => row.revision !== 1)) {
          failures.push(`the schema holds ${rows.length} active policies, revisions ${rows.map((row) => `${row.policyId}@${row.revision}`).join(', ')}: seeded more than once`);
        }
      }
      if (failures.length === 0) {
        clean += 1;
        readyTimes.push(Math.max(...started.map((result) => (result.status === 'fulfilled' ? result.value : 0))));
      } else {
        for (const failure of failures) report.problem(`start round ${round}: ${failure}`);
      }
    } finally {
      await stopAll(instances);
      await report.database.dropSchema(schema.name);
    }
  }
  report.line(`RESULT: ${clean} of ${rounds} rounds started without a crash`);
  report.line(`time until the last of the ${FLEET_SIZE} was ready, clean rounds: ${spread(readyTimes)}`);
}
