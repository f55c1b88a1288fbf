// Mutation testing (docs/testing.md): plants small bugs in the code whose bugs cost money or
// trust, runs the unit specs that cover each one, and reports the bugs no test noticed.
/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
const config = {
  mutate: [
    // Scoring: the outcome a caller acts on, and what an unknown signal does to it.
    'src/scoring/outcome.ts',
    'src/scoring/unknown-handling.ts',
    'src/scoring/conditions.ts',
    'src/scoring/compiled-policy.ts',
    'src/scoring/rule-program.ts',
    // The rule program's "wait for this signal or not" check (shared with the signal cache).
    'src/common/async/maybe-promise.ts',
    'src/common/async/alarm.ts',
    // Signals: how a failing operator is contained, and the tokens that open its API.
    'src/signals/resilience/circuit-breaker.ts',
    'src/signals/resilience/resilient-caller.ts',
    'src/signals/http/client-credentials.token-source.ts',
    'src/signals/http/oauth/subscriber-token.source.ts',
    // Auth: who may call, what, and how often.
    'src/auth/api-key-secret.ts',
    'src/auth/api-key.service.ts',
    'src/auth/scopes.ts',
    'src/auth/rate-limiter.ts',
    'src/auth/fleet-rate-limiter.ts',
    // A retried decision must never be made (and charged) twice.
    'src/decisions/idempotent-decision.service.ts',
    'src/decisions/sqlite-lock-wait.ts',
    // Phone numbers: hashed, masked, redacted from logs, erased on request.
    'src/common/phone/phone-number.ts',
    'src/common/logging/log-redaction.ts',
    'src/privacy/privacy.service.ts',
    'src/privacy/retention.job.ts',
  ],
  testRunner: 'jest',
  jest: {
    projectType: 'custom',
    // Unit specs of the folders that hold or call the mutated code: the e2e suite boots the app
    // per file and would run for every mutant.
    config: { testRegex: 'src/(scoring|signals|auth|decisions|common|privacy)/.*\\.spec\\.ts$' },
    enableFindRelatedTests: true,
  },
  // Runs only the specs that reach each mutant (measured in the first, unmutated run).
  coverageAnalysis: 'perTest',
  // A mutant of a module-level constant (a regex, a table) is "static": no test can be said to
  // cover it, so it runs every related spec, and these took 4/5 of a full run's time here
  // (docs/testing.md). The ones that matter are pinned by table-driven specs instead.
  ignoreStatic: true,
  checkers: ['typescript'],
  tsconfigFile: 'tsconfig.json',
  typescriptChecker: { prioritizePerformanceOverAccuracy: true },
  // The machine has 2 cores, shared with others.
  concurrency: 2,
  // Reruns only mutants whose code or covering tests changed since the recorded run; the
  // record is committed so that CI and a fresh clone start from it (docs/testing.md).
  incremental: true,
  incrementalFile: 'stryker-incremental.json',
  reporters: ['html', 'clear-text', 'progress', 'json'],
  htmlReporter: { fileName: 'reports/mutation/index.html' },
  jsonReporter: { fileName: 'reports/mutation/mutation.json' },
  // Issue 16 asked for 85% on these folders; the record of December 2026 scores 99.4%. The
  // build breaks below 85%, so the score cannot slide back under the goal (docs/testing.md).
  thresholds: { high: 95, low: 85, break: 85 },
  timeoutMS: 10000,
  tempDirName: '.stryker-tmp',
  cleanTempDir: true,
};
export default config;
