import { performance } from 'node:perf_hooks';
import { expectCamaraError, Sandbox, SandboxResponse, startSandbox } from './support/sandbox-harness';

/**
 * Faults on purpose, per line (the dataset's `faults`) and global (SANDBOX_FAULT_*): what a
 * client sees is what it must survive. Latencies are 50 ms, the only waits in this file.
 */
const NOW = new Date('2026-06-15T12:00:00Z');
const LATENCY_MS = 50;
// Timers may fire a millisecond early against a clock read in another module.
const AT_LEAST_LATENCY = LATENCY_MS - 2;

const HEALTHY = '+34611400001';
const SLOW = '+34611400002';
const DOWN = '+34611400003';
const LIMITED = '+34611400004';
const DROPPED = '+34611400005';
const SIM_SWAP_DOWN = '+34611400006';
const FLAKY = '+34611400007';
const TENURE_NOT_APPLICABLE = '+34611400008';
const SLOW_THEN_TIMEOUT = '+34611400009';
const NOT_SUBSCRIBER = '+34699999999';

const line = (phoneNumber: string, faults?: Record<string, unknown>) => ({
  phoneNumber,
  subscriberSince: '2020-01-01',
  contractType: 'PAYM',
  latestSimChange: '-48h',
  latestDeviceChange: '-48h',
  ...(faults ? { faults } : {}),
});

const LINES = [
  line(HEALTHY),
  line(SLOW, { latencyMs: LATENCY_MS }),
  line(DOWN, { status: 503 }),
  line(LIMITED, { status: 429, retryAfterS: 2 }),
  line(DROPPED, { drop: true }),
  line(SIM_SWAP_DOWN, { status: 503, apis: ['sim-swap'] }),
  line(FLAKY, { status: 500, rate: 0.5 }),
  line(TENURE_NOT_APPLICABLE, { status: 422, code: 'SERVICE_NOT_APPLICABLE', apis: ['kyc-tenure:check-tenure'] }),
  line(SLOW_THEN_TIMEOUT, { latencyMs: LATENCY_MS, status: 504 }),
];

const simSwap = (sandbox: Sandbox, token: string, phoneNumber: string) =>
  sandbox.post('/sim-swap/v2/check', { token, body: { phoneNumber, maxAge: 72 }, headers: { 'x-correlator': 'fault-1' } });
const tenure = (sandbox: Sandbox, token: string, phoneNumber: string) =>
  sandbox.post('/kyc-tenure/v0.3rc1/check-tenure', { token, body: { phoneNumber, tenureDate: '2021-01-01' } });

async function timed(call: () => Promise<SandboxResponse>): Promise<{ response: SandboxResponse; elapsedMs: number }> {
  const started = performance.now();
  const response = await call();
  return { response, elapsedMs: performance.now() - started };
}

/** A dropped connection: the request fails at the socket, with no HTTP answer at all. */
async function expectDropped(call: Promise<SandboxResponse>): Promise<void> {
  await expect(call).rejects.toMatchObject({ message: 'fetch failed', cause: { code: expect.stringMatching(/UND_ERR_SOCKET|ECONNRESET/) } });
}

describe('sandbox operator server: per-line faults (e2e)', () => {
  let sandbox: Sandbox;
  let token: string;
  const draws: number[] = [];

  beforeAll(async () => {
    sandbox = await startSandbox({ lines: LINES, now: NOW, random: () => draws.shift() ?? 0.99 });
    token = await sandbox.token();
  });
  afterAll(async () => {
    await sandbox.close();
  });

  it('adds latency, then answers from the line data', async () => {
    const { response, elapsedMs } = await timed(() => simSwap(sandbox, token, SLOW));
    expect(elapsedMs).toBeGreaterThanOrEqual(AT_LEAST_LATENCY);
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ swapped: true });
  });

  it('answers the given status with its CAMARA code, and the correlator', async () => {
    const response = await simSwap(sandbox, token, DOWN);
    expectCamaraError(response, 503, 'UNAVAILABLE');
    expect(response.headers.get('x-correlator')).toBe('fault-1');
    expect(response.headers.get('retry-after')).toBeNull();
  });

  it('answers 429 TOO_MANY_REQUESTS with Retry-After in seconds', async () => {
    const response = await simSwap(sandbox, token, LIMITED);
    expectCamaraError(response, 429, 'TOO_MANY_REQUESTS');
    expect(response.headers.get('retry-after')).toBe('2');
  });

  it('drops the connection without answering, and keeps serving other requests', async () => {
    await expectDropped(simSwap(sandbox, token, DROPPED));
    expect((await simSwap(sandbox, token, HEALTHY)).status).toBe(200);
  });

  it('adds latency before the error when both are set', async () => {
    const { response, elapsedMs } = await timed(() => simSwap(sandbox, token, SLOW_THEN_TIMEOUT));
    expect(elapsedMs).toBeGreaterThanOrEqual(AT_LEAST_LATENCY);
    expectCamaraError(response, 504, 'TIMEOUT');
  });

  it('limits a fault to the APIs it names', async () => {
    expectCamaraError(await simSwap(sandbox, token, SIM_SWAP_DOWN), 503, 'UNAVAILABLE');
    const retrieve = await sandbox.post('/sim-swap/v2/retrieve-date', { token, body: { phoneNumber: SIM_SWAP_DOWN } });
    expectCamaraError(retrieve, 503, 'UNAVAILABLE');
    expect((await tenure(sandbox, token, SIM_SWAP_DOWN)).body).toEqual({ tenureDateCheck: true, contractType: 'PAYM' });
  });

  it('answers a chosen code: SERVICE_NOT_APPLICABLE for KYC Tenure only (scenario C02.05)', async () => {
    expectCamaraError(await tenure(sandbox, token, TENURE_NOT_APPLICABLE), 422, 'SERVICE_NOT_APPLICABLE');
    expect((await simSwap(sandbox, token, TENURE_NOT_APPLICABLE)).status).toBe(200);
  });

  it('strikes a share of the requests given by its rate', async () => {
    draws.push(0.7, 0.2, 0.5);
    expect((await simSwap(sandbox, token, FLAKY)).status).toBe(200); // 0.7 >= 0.5: spared
    expectCamaraError(await simSwap(sandbox, token, FLAKY), 500, 'INTERNAL'); // 0.2 < 0.5: struck
    expect((await simSwap(sandbox, token, FLAKY)).status).toBe(200); // 0.5 >= 0.5: spared
  });

  it('follows the subject of a 3-legged token', async () => {
    const threeLegged = await sandbox.token('sim-swap:check', DOWN);
    const response = await sandbox.post('/sim-swap/v2/check', { token: threeLegged, body: {} });
    expectCamaraError(response, 503, 'UNAVAILABLE');
  });

  it('strikes only authenticated, valid requests: 401 and 400 stay what they are', async () => {
    expectCamaraError(await sandbox.post('/sim-swap/v2/check', { body: { phoneNumber: DROPPED } }), 401, 'UNAUTHENTICATED');
    expectCamaraError(await sandbox.post('/sim-swap/v2/check', { token, body: { phoneNumber: DOWN, maxAge: 'x' } }), 400, 'INVALID_ARGUMENT');
  });

  it('logs each fault with its operation and effect, never the number', async () => {
    await simSwap(sandbox, token, LIMITED);
    expect(sandbox.logs.lines).toContainEqual(expect.stringContaining('fault on sim-swap:check (line): 429 TOO_MANY_REQUESTS (Retry-After 2 s)'));
    expect(sandbox.logs.lines.join('\n')).not.toMatch(/\+34611400\d{3}/);
  });
});

describe('sandbox operator server: global faults (e2e)', () => {
  const LINE_OWN = '+34611400100';
  let sandbox: Sandbox | undefined;
  afterEach(async () => {
    await sandbox?.close();
    sandbox = undefined;
  });

  it('SANDBOX_FAULT_STATUS with Retry-After, for the APIs in SANDBOX_FAULT_APIS; a line\'s own faults win', async () => {
    sandbox = await startSandbox({
      lines: [line(HEALTHY), line(LINE_OWN, { status: 429, retryAfterS: 3 })],
      now: NOW,
      env: { SANDBOX_FAULT_STATUS: '503', SANDBOX_FAULT_RETRY_AFTER_S: '1', SANDBOX_FAULT_APIS: 'device-swap:check, kyc-tenure' },
    });
    const token = await sandbox.token();
    const deviceCheck = await sandbox.post('/device-swap/v1/check', { token, body: { phoneNumber: HEALTHY } });
    expectCamaraError(deviceCheck, 503, 'UNAVAILABLE');
    expect(deviceCheck.headers.get('retry-after')).toBe('1');
    expectCamaraError(await tenure(sandbox, token, HEALTHY), 503, 'UNAVAILABLE');
    expectCamaraError(await tenure(sandbox, token, NOT_SUBSCRIBER), 503, 'UNAVAILABLE');
    expect((await sandbox.post('/device-swap/v1/retrieve-date', { token, body: { phoneNumber: HEALTHY } })).status).toBe(200);
    expect((await simSwap(sandbox, token, HEALTHY)).status).toBe(200);
    const own = await tenure(sandbox, token, LINE_OWN);
    expectCamaraError(own, 429, 'TOO_MANY_REQUESTS');
    expect(own.headers.get('retry-after')).toBe('3');
  });

  it('SANDBOX_FAULT_STATUS=429 with SANDBOX_FAULT_RETRY_AFTER_S and SANDBOX_FAULT_CODE', async () => {
    sandbox = await startSandbox({
      lines: [line(HEALTHY)],
      now: NOW,
      env: { SANDBOX_FAULT_STATUS: '429', SANDBOX_FAULT_CODE: 'QUOTA_EXCEEDED', SANDBOX_FAULT_RETRY_AFTER_S: '2' },
    });
    const response = await simSwap(sandbox, await sandbox.token(), HEALTHY);
    expectCamaraError(response, 429, 'QUOTA_EXCEEDED');
    expect(response.headers.get('retry-after')).toBe('2');
  });

  it('SANDBOX_FAULT_LATENCY_MS delays every operation, which then answers normally', async () => {
    sandbox = await startSandbox({ lines: [line(HEALTHY)], now: NOW, env: { SANDBOX_FAULT_LATENCY_MS: String(LATENCY_MS) } });
    const token = await sandbox.token();
    const calls = [() => simSwap(sandbox!, token, HEALTHY), () => tenure(sandbox!, token, HEALTHY)];
    const results = await Promise.all(calls.map((call) => timed(call)));
    for (const { response, elapsedMs } of results) {
      expect(elapsedMs).toBeGreaterThanOrEqual(AT_LEAST_LATENCY);
      expect(response.status).toBe(200);
    }
  });

  it('SANDBOX_FAULT_DROP drops every API call, but not the token endpoint', async () => {
    sandbox = await startSandbox({ lines: [line(HEALTHY)], now: NOW, env: { SANDBOX_FAULT_DROP: 'true' } });
    const token = await sandbox.token();
    await expectDropped(simSwap(sandbox, token, HEALTHY));
    await expectDropped(tenure(sandbox, token, NOT_SUBSCRIBER));
  });

  it('SANDBOX_FAULT_RATE strikes a share of the requests', async () => {
    const draws = [0.1, 0.9];
    sandbox = await startSandbox({
      lines: [line(HEALTHY)],
      now: NOW,
      env: { SANDBOX_FAULT_STATUS: '500', SANDBOX_FAULT_RATE: '0.25' },
      random: () => draws.shift() ?? 0.99,
    });
    const token = await sandbox.token();
    expectCamaraError(await simSwap(sandbox, token, HEALTHY), 500, 'INTERNAL');
    expect((await simSwap(sandbox, token, HEALTHY)).status).toBe(200);
  });

  it('closing the server ends a pending latency at once, dropping its connection', async () => {
    sandbox = await startSandbox({ lines: [line(HEALTHY)], now: NOW, env: { SANDBOX_FAULT_LATENCY_MS: '60000' } });
    const pending = simSwap(sandbox, await sandbox.token(), HEALTHY);
    const settled = pending.then(
      () => 'answered',
      () => 'dropped',
    );
    await sandbox.logs.waitFor(/fault on sim-swap:check \(global\): latency 60000 ms/);
    await sandbox.close();
    sandbox = undefined;
    // A close that waited out the 60 s latency would have answered the request (and outlived
    // the test's 30 s): dropped means the latency was cut.
    expect(await settled).toBe('dropped');
  });
});
