// `--http` and `--3legged`: the sandbox operator server on a free port, answering from the
// run's line dataset, and the service's settings to get its signals from it over HTTP.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PACKAGE_ROOT } from '../../config/package-root';
import { SignalMode } from './options';
import { Child, freePort, startNode, waitAnswering } from './processes';

/** Starts the operator for `mode` (none for the built-in sandbox) and returns the service's settings. */
export async function startOperator(mode: SignalMode, folder: string, linesFile: string): Promise<{ operator?: Child; env: Record<string, string> }> {
  if (mode === 'built-in') return { env: {} };
  const port = await freePort();
  // Not the service: warn, so that its log lines cost the two cores as little as possible.
  // CIBA interval 0: the lines consent at once, so the warm-up is short.
  const operator = startNode(
    `operator-${mode}`,
    'sandbox/main.js',
    port,
    { ...process.env, SANDBOX_OPERATOR_PORT: String(port), SANDBOX_PROFILE: mode === 'ciba' ? 'telefonica' : 'camara', SANDBOX_CIBA_INTERVAL_S: '0', SANDBOX_LINES_FILE: linesFile, LOG_LEVEL: 'warn' },
    folder,
  );
  await waitAnswering(operator, '/');
  const root = operator.url;
  if (mode === 'client_credentials') {
    return {
      operator,
      env: {
        TENURE_API_URL: root,
        NUMBER_RECYCLING_API_URL: root,
        SIM_SWAP_API_URL: root,
        DEVICE_SWAP_API_URL: root,
        OPERATOR_TOKEN_URL: `${root}/oauth2/token`,
        OPERATOR_CLIENT_ID: 'linetrust-sandbox',
        OPERATOR_CLIENT_SECRET: 'linetrust-sandbox-secret',
      },
    };
  }
  const example = readFileSync(join(PACKAGE_ROOT, 'examples', 'gateways', 'telefonica.json'), 'utf8');
  const file = join(folder, 'gateways.json');
  writeFileSync(file, example.split('http://127.0.0.1:9090').join(root));
  return { operator, env: { GATEWAYS_FILE: file, TELEFONICA_CLIENT_SECRET: 'linetrust-sandbox-secret' } };
}

/**
 * 3-legged tokens are per subscriber: one onboarding decision per number, again for those
 * still CONSENT_PENDING, until none is. The figure is for warm tokens, a bank's regular
 * customers; cold flows are the tests' subject.
 */
export async function warmSubscriberTokens(decisionsUrl: string, authorization: string, bodies: readonly string[], concurrency: number): Promise<void> {
  // Every number the traffic sends, the ones unknown to the operator too.
  let pending = [...new Set(bodies.map((body) => (JSON.parse(body) as { phoneNumber: string }).phoneNumber))];
  for (let round = 0; round < 50 && pending.length > 0; round++) {
    const still: string[] = [];
    let next = 0;
    const worker = async () => {
      while (next < pending.length) {
        const phoneNumber = pending[next++];
        const response = await fetch(decisionsUrl, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization },
          body: JSON.stringify({ useCase: 'onboarding', phoneNumber }),
        });
        if ((await response.text()).includes('CONSENT_PENDING')) still.push(phoneNumber);
      }
    };
    await Promise.all(Array.from({ length: concurrency }, worker));
    pending = still;
  }
  if (pending.length > 0) throw new Error(`3-legged tokens still pending for ${pending.length} numbers after 50 warm-up rounds`);
}
