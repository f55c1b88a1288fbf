import { basename } from 'node:path';
import { Counter, Gauge, Registry } from 'prom-client';
import { PolicyRegistry } from '../policies/policy.registry';

/** `onboarding` for rules/onboarding.json, `onboarding.candidate` for its shadow candidate. */
function policyLabel(file: string): string {
  return basename(file, '.json');
}

/** Policy reloads as they happen; the files refused right now, read at scrape time. */
export function registerPolicyMetrics(registry: Registry, policies: PolicyRegistry): void {
  const reloads = new Counter({
    name: 'linetrust_policy_reloads_total',
    help: 'Policy and shadow candidate file changes since start, by file (policy) and result: applied or refused.',
    labelNames: ['policy', 'result'] as const,
    registers: [registry],
  });
  policies.onReload((file, result) => reloads.inc({ policy: policyLabel(file), result }));
  new Gauge({
    name: 'linetrust_policy_refused_files',
    help: 'Policy files whose latest change is refused (the last good version, if any, keeps serving).',
    registers: [registry],
    collect() {
      this.set(policies.refused().length);
    },
  });
}
