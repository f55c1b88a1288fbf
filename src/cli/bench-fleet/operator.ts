// The sandbox operator the fleet gets its signals from over HTTP (OAuth2 client credentials,
// the camara profile), with a dataset of its own: the demo lines answer cleanly, and one line
// per kind of fault misbehaves on every API. Faults are per line, so one run mixes them all.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PACKAGE_ROOT } from '../../config/package-root';
import type { SandboxFaults } from '../../signals/sandbox/line-dataset';
import { Child, freePort, startNode, waitListening } from './processes';

/** The demo dataset's numbers: sandbox test lines, no fault. */
export const CLEAN_LINES = ['+34600000001', '+34600000002', '+34600000003', '+34600000004', '+34600000005', '+34600000006'];

/** One sandbox test line per fault, described for the report (never by its number). */
export const FAULT_LINES: { phoneNumber: string; kind: string; faults: SandboxFaults }[] = [
  { phoneNumber: '+34600000101', kind: 'answers after the deadline (latency 1200 ms)', faults: { latencyMs: 1200 } },
  { phoneNumber: '+34600000102', kind: 'hangs past SIGNAL_TIMEOUT_MS (latency 5000 ms: a client timeout)', faults: { latencyMs: 5000 } },
  { phoneNumber: '+34600000103', kind: '503 UNAVAILABLE at once, every try', faults: { status: 503 } },
  { phoneNumber: '+34600000104', kind: '504 after 600 ms, so a retry runs past the deadline', faults: { latencyMs: 600, status: 504 } },
  { phoneNumber: '+34600000105', kind: 'connection reset on half the calls', faults: { drop: true, rate: 0.5 } },
  { phoneNumber: '+34600000106', kind: '500 after 300 ms on half the calls', faults: { latencyMs: 300, status: 500, rate: 0.5 } },
];

const FAULTY_LINE = { subscriberSince: '2019-03-01', contractType: 'PAYM', latestSimChange: '2019-03-01T09:00:00Z', latestDeviceChange: '2024-06-01T12:00:00Z' };

const CLIENT_ID = 'linetrust-sandbox';
const CLIENT_SECRET = 'linetrust-sandbox-secret';

/** Writes the dataset into `dir`, starts the operator on a free port, waits for it. */
export async function startOperator(dir: string): Promise<Child> {
  const demo = JSON.parse(readFileSync(join(PACKAGE_ROOT, 'src', 'signals', 'sandbox', 'demo-lines.json'), 'utf8')) as { lines: object[] };
  const lines = [...demo.lines, ...FAULT_LINES.map(({ phoneNumber, faults }) => ({ phoneNumber, ...FAULTY_LINE, faults }))];
  const file = join(dir, 'bench-fleet-lines.json');
  writeFileSync(file, JSON.stringify({ lines }, null, 2));
  const port = await freePort();
  // warn: each fault is logged at `log` level, thousands of lines the bench does not read.
  const operator = startNode('sandbox/main.js', port, { SANDBOX_OPERATOR_PORT: String(port), SANDBOX_LINES_FILE: file, LOG_LEVEL: 'warn' });
  await waitListening(operator);
  return operator;
}

/** The service's settings for signals over HTTP from `operator`. */
export function operatorEnv(operator: Child): Record<string, string> {
  return {
    TENURE_API_URL: operator.url,
    NUMBER_RECYCLING_API_URL: operator.url,
    SIM_SWAP_API_URL: operator.url,
    DEVICE_SWAP_API_URL: operator.url,
    OPERATOR_TOKEN_URL: `${operator.url}/oauth2/token`,
    OPERATOR_CLIENT_ID: CLIENT_ID,
    OPERATOR_CLIENT_SECRET: CLIENT_SECRET,
  };
}

/** Decision bodies over the three shipped use cases, so every API is asked. */
export function decisionBody(phoneNumber: string, index: number, subjectId: string): object {
  switch (index % 3) {
    case 0:
      return { useCase: 'onboarding', phoneNumber, subjectId };
    case 1:
      return { useCase: 'p2p_recipient', phoneNumber, subjectId, context: { amount: 25000, currency: 'EUR' } };
    default:
      return { useCase: 'account_recovery', phoneNumber, subjectId, trustedSince: '2024-01-01' };
  }
}
