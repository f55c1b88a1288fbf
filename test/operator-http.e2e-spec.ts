import { createServer } from 'node:http';
import { AddressInfo } from 'node:net';
import { LINE, NOW, TEST_LINES } from './support/lines';
import { CLIENT_ID, CLIENT_SECRET, Sandbox, startSandbox } from './support/sandbox-harness';
import { startTestApp, TestApp } from './support/test-app';

/** Lines of the sandbox operator that misbehave on SIM Swap on purpose. */
const FAULTY = {
  slow: '+34622000001',
  failing: '+34622000002',
  throttled: '+34622000003',
  dropping: '+34622000004',
} as const;
const established = TEST_LINES[0];
const FAULT_LINES = [
  // Slower than the test may take (30 s): a decision that waited for it could not pass at all.
  { ...established, phoneNumber: FAULTY.slow, faults: { apis: ['sim-swap'], latencyMs: 60_000 } },
  { ...established, phoneNumber: FAULTY.failing, faults: { apis: ['sim-swap'], status: 503 } },
  { ...established, phoneNumber: FAULTY.throttled, faults: { apis: ['sim-swap'], status: 429, retryAfterS: 1 } },
  { ...established, phoneNumber: FAULTY.dropping, faults: { apis: ['sim-swap'], drop: true } },
];

function operatorEnv(sandbox: Sandbox, extra: Record<string, string> = {}): Record<string, string> {
  return {
    TENURE_API_URL: sandbox.url,
    NUMBER_RECYCLING_API_URL: sandbox.url,
    SIM_SWAP_API_URL: sandbox.url,
    DEVICE_SWAP_API_URL: sandbox.url,
    OPERATOR_TOKEN_URL: `${sandbox.url}/oauth2/token`,
    OPERATOR_CLIENT_ID: CLIENT_ID,
    OPERATOR_CLIENT_SECRET: CLIENT_SECRET,
    ...extra,
  };
}

/** A server that accepts requests and never answers; resolves `requestAborted` when the client gives up. */
async function hangingServer(): Promise<{ url: string; requestAborted: Promise<void>; close(): Promise<void> }> {
  let aborted!: () => void;
  const requestAborted = new Promise<void>((resolve) => (aborted = resolve));
  const server = createServer((req) => req.socket.once('close', () => aborted()));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requestAborted,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

interface Decision {
  outcome: string;
  score: number;
  reasons: { code: string }[];
  signals: { signal: string; query: object; status: string; answer?: object; reason?: string; attempts: number }[];
}

const decide = async (app: TestApp, body: object, expected = 201): Promise<Decision> =>
  (await app.http().post('/v1/decisions').send(body).expect(expected)).body as Decision;

describe('signals over HTTP from the sandbox operator (e2e)', () => {
  let sandbox: Sandbox;
  beforeAll(async () => {
    sandbox = await startSandbox({ lines: [...TEST_LINES, ...FAULT_LINES], now: NOW });
  });
  afterAll(async () => {
    await sandbox.close();
  });

  describe('against a healthy operator', () => {
    let builtIn: TestApp;
    let overHttp: TestApp;
    beforeAll(async () => {
      builtIn = await startTestApp({ lines: TEST_LINES, now: NOW });
      overHttp = await startTestApp({ lines: TEST_LINES, now: NOW, env: operatorEnv(sandbox) });
    });
    afterAll(async () => {
      await builtIn.close();
      await overHttp.close();
    });

    const cases = Object.values(LINE).flatMap((phoneNumber) => [
      { useCase: 'onboarding', phoneNumber },
      { useCase: 'p2p_recipient', phoneNumber, context: { amount: 500000, currency: 'EUR' } },
      { useCase: 'account_recovery', phoneNumber, trustedSince: '2025-01-01' },
      { useCase: 'account_recovery', phoneNumber },
    ]);

    it.each(cases)('gives the same decision as the built-in provider: %j', async (body) => {
      const [local, remote] = [await decide(builtIn, body), await decide(overHttp, body)];
      const comparable = (d: Decision) => ({
        outcome: d.outcome,
        score: d.score,
        reasons: d.reasons,
        signals: d.signals.map(({ signal, query, status, answer }) => ({ signal, query, status, answer })).sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b))),
      });
      expect(comparable(remote)).toEqual(comparable(local));
    });
  });

  describe('against a misbehaving operator', () => {
    let app: TestApp;
    const DEADLINE_MS = 800;
    beforeAll(async () => {
      app = await startTestApp({
        lines: TEST_LINES,
        now: NOW,
        env: operatorEnv(sandbox, {
          SIGNAL_TIMEOUT_MS: '150',
          SIGNAL_MAX_ATTEMPTS: '3',
          SIGNAL_BACKOFF_MS: '10',
          SIGNAL_MAX_BACKOFF_MS: '1500',
          DECISION_DEADLINE_MS: String(DEADLINE_MS),
          CIRCUIT_FAILURE_THRESHOLD: '1000',
        }),
      });
    });
    afterAll(async () => {
      await app.close();
    });

    it.each([
      ['answers too slowly', FAULTY.slow, /no answer within 150 ms|deadline/],
      ['answers 503', FAULTY.failing, /503/],
      ['drops the connection', FAULTY.dropping, /.+/],
    ])('still decides, without waiting for the operator, when SIM Swap %s, and says why', async (_label, phoneNumber, reason) => {
      const d = await decide(app, { useCase: 'account_recovery', phoneNumber, trustedSince: '2025-01-01' });
      // Never more calls than SIGNAL_MAX_ATTEMPTS, whatever the backoff would allow.
      expect(d.signals.find((s) => s.signal === 'simSwap')?.attempts).toBeLessThanOrEqual(3);
      const simSwap = d.signals.find((s) => s.signal === 'simSwap');
      expect(simSwap).toMatchObject({ status: 'UNAVAILABLE', reason: expect.stringMatching(reason) });
      // Account recovery fails closed on an unchecked SIM.
      expect(d.outcome).not.toBe('ALLOW');
      expect(d.reasons.map((r) => r.code)).toContain('SIM_SWAP_UNVERIFIED');
      // The other signals came through.
      expect(d.signals.find((s) => s.signal === 'numberRecycling')?.status).toBe('OK');
    });

    it('retries a 503 before giving up', async () => {
      const d = await decide(app, { useCase: 'onboarding', phoneNumber: FAULTY.failing });
      expect(d.signals.find((s) => s.signal === 'simSwap')?.attempts).toBeGreaterThan(1);
    });

    it('does not ask again on a 429 whose Retry-After ends past the deadline', async () => {
      const d = await decide(app, { useCase: 'onboarding', phoneNumber: FAULTY.throttled });
      const simSwap = d.signals.find((s) => s.signal === 'simSwap');
      expect(simSwap).toMatchObject({ status: 'UNAVAILABLE', reason: expect.stringMatching(/429/) });
      // Retry-After is 1 s and the deadline 0.8 s: no second call could be made in time.
      expect(simSwap?.attempts).toBe(1);
    });
  });

  describe('when the deadline passes on one slow API', () => {
    let app: TestApp;
    let slowRecycling: Sandbox;
    beforeAll(async () => {
      slowRecycling = await startSandbox({
        lines: [{ ...established, faults: { apis: ['number-recycling'], latencyMs: 3000 } }],
        now: NOW,
      });
      app = await startTestApp({
        lines: TEST_LINES,
        now: NOW,
        env: operatorEnv(slowRecycling, { DECISION_DEADLINE_MS: '300', SIGNAL_TIMEOUT_MS: '2000', CIRCUIT_FAILURE_THRESHOLD: '2' }),
      });
    });
    afterAll(async () => {
      await app.close();
      await slowRecycling.close();
    });

    it('does not ask, count or hold against the other APIs the signals it no longer has time for', async () => {
      for (let i = 0; i < 3; i++) {
        const d = await decide(app, { useCase: 'account_recovery', phoneNumber: LINE.established, trustedSince: '2025-01-01' });
        expect(d.outcome).toBe('REVIEW');
        expect(d.signals.find((s) => s.signal === 'simSwap')).toMatchObject({ status: 'UNAVAILABLE', reason: 'not asked: the decision deadline had passed', attempts: 0 });
      }
      const status = (await app.http().get('/v1/signals').expect(200)).body.items;
      const simSwap = status.find((i: { signal: string }) => i.signal === 'simSwap');
      expect(simSwap).toMatchObject({ circuit: 'closed', calls: 0 });
      // Cut by our own deadline, the slow API is not judged either.
      expect(status.find((i: { signal: string }) => i.signal === 'numberRecycling')).toMatchObject({ circuit: 'closed' });
    });
  });

  describe('when the token endpoint fails', () => {
    it.each([
      ['refuses connections', 'closed-port'],
      ['never answers', 'silent'],
    ])('still decides when the token endpoint %s, and the service survives it', async (_label, kind) => {
      const silent = kind === 'silent' ? await hangingServer() : undefined;
      const tokenUrl = silent ? `${silent.url}/oauth2/token` : 'http://127.0.0.1:1/oauth2/token';
      const app = await startTestApp({
        lines: TEST_LINES,
        now: NOW,
        env: operatorEnv(sandbox, { OPERATOR_TOKEN_URL: tokenUrl, DECISION_DEADLINE_MS: '300', OPERATOR_TOKEN_TIMEOUT_MS: '400' }),
      });
      try {
        const d = await decide(app, { useCase: 'account_recovery', phoneNumber: LINE.established, trustedSince: '2025-01-01' });
        expect(d.outcome).not.toBe('ALLOW');
        expect(d.signals.every((s) => s.status === 'UNAVAILABLE')).toBe(true);
        // The shared token fetch outlives the decision; when it fails, nothing may crash.
        if (silent) await silent.requestAborted;
        const again = await decide(app, { useCase: 'onboarding', phoneNumber: LINE.established });
        expect(again.outcome).not.toBe('ALLOW');
      } finally {
        await app.close();
        await silent?.close();
      }
    });
  });

  describe('circuit breaker', () => {
    let app: TestApp;
    beforeAll(async () => {
      app = await startTestApp({
        lines: TEST_LINES,
        now: NOW,
        env: operatorEnv(sandbox, { SIGNAL_MAX_ATTEMPTS: '1', CIRCUIT_FAILURE_THRESHOLD: '2', CIRCUIT_OPEN_MS: '30000' }),
      });
    });
    afterAll(async () => {
      await app.close();
    });

    it('opens after repeated failures, stops calling, and closes after a successful probe', async () => {
      await decide(app, { useCase: 'onboarding', phoneNumber: FAULTY.failing });
      await decide(app, { useCase: 'onboarding', phoneNumber: FAULTY.failing });
      // Open: even a healthy line's SIM Swap is not asked, and the decision says why.
      const refused = await decide(app, { useCase: 'onboarding', phoneNumber: LINE.simSwapped48h });
      expect(refused.signals.find((s) => s.signal === 'simSwap')).toMatchObject({
        status: 'UNAVAILABLE',
        reason: expect.stringContaining('circuit open for simSwap'),
        attempts: 0,
      });
      // The other APIs have their own circuits.
      expect(refused.signals.find((s) => s.signal === 'tenure')?.status).toBe('OK');
      const circuits = async () => {
        const response = await app.http().get('/v1/signals').expect(200);
        return Object.fromEntries(response.body.items.map((i: { signal: string; circuit: string; calls: number }) => [i.signal, i]));
      };
      const open = await circuits();
      expect(open.simSwap).toMatchObject({ circuit: 'open', calls: 2, provider: `http ${sandbox.url}` });
      expect(open.tenure).toMatchObject({ circuit: 'closed' });
      // After CIRCUIT_OPEN_MS one probe goes through; it succeeds and the circuit closes.
      app.clock.set(new Date(NOW.getTime() + 30_000));
      const probe = await decide(app, { useCase: 'onboarding', phoneNumber: LINE.simSwapped48h });
      expect(probe.signals.find((s) => s.signal === 'simSwap')).toMatchObject({ status: 'OK', attempts: 1 });
      const after = await decide(app, { useCase: 'onboarding', phoneNumber: LINE.simSwapped48h });
      expect(after.signals.find((s) => s.signal === 'simSwap')?.status).toBe('OK');
      // Two failures and the probe were calls; the last answer (a swap found) came from the cache.
      expect((await circuits()).simSwap).toMatchObject({ circuit: 'closed', calls: 3, cacheHits: 1 });
    });
  });
});
