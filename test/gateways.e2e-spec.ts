import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PACKAGE_ROOT } from '../src/config/package-root';
import { LINE, NOW, TEST_LINES } from './support/lines';
import { CLIENT_SECRET, ClientKeys, generateClientKeys, LogCapture, Sandbox, startSandbox } from './support/sandbox-harness';
import { startTestApp, TestApp } from './support/test-app';

/**
 * Every worked profile of docs/gateways.md (the files in examples/gateways/), end to end over
 * HTTP against the sandbox operator playing that provider: the documented file itself, with
 * only the sandbox's address changed, must decide with its signals answered.
 */
const EXAMPLES = join(PACKAGE_ROOT, 'examples', 'gateways');
const SANDBOX_ADDRESS = 'http://127.0.0.1:9090';
const NAC_API_KEY = 'nac-test-key-5b1f';

interface Decision {
  id: string;
  outcome: string;
  reasons: { code: string }[];
  signals: { signal: string; status: string; reason?: string; attempts: number }[];
}

interface Profile {
  file: string;
  sandbox: 'camara' | 'telefonica' | 'orange' | 'vonage' | 'nokia' | 'icm';
  keys?: 'RS256' | 'ES256';
  /** The secrets the file names, by variable. */
  secrets: (keys: ClientKeys | undefined) => Record<string, string>;
}

const PROFILES: Profile[] = [
  { file: 'operator-2legged.json', sandbox: 'camara', secrets: () => ({ OPERATOR_CLIENT_SECRET: CLIENT_SECRET }) },
  { file: 'telefonica.json', sandbox: 'telefonica', secrets: () => ({ TELEFONICA_CLIENT_SECRET: CLIENT_SECRET }) },
  { file: 'orange.json', sandbox: 'orange', secrets: () => ({ ORANGE_CLIENT_SECRET: CLIENT_SECRET }) },
  { file: 'vonage.json', sandbox: 'vonage', keys: 'RS256', secrets: (keys) => ({ VONAGE_PRIVATE_KEY: keys?.privateKeyPem ?? '' }) },
  { file: 'nokia-nac.json', sandbox: 'nokia', secrets: () => ({ NAC_API_KEY }) },
  { file: 'icm-ciba.json', sandbox: 'icm', keys: 'ES256', secrets: (keys) => ({ ICM_PRIVATE_KEY: keys?.privateKeyPem ?? '' }) },
  { file: 'icm-jwt-bearer.json', sandbox: 'icm', keys: 'RS256', secrets: (keys) => ({ ICM_PRIVATE_KEY: keys?.privateKeyPem ?? '' }) },
];

const USE_CASES = [
  { useCase: 'onboarding' },
  { useCase: 'p2p_recipient', context: { amount: 250000, currency: 'EUR' } },
  { useCase: 'account_recovery', trustedSince: '2024-01-01' },
];

/** The example file with the sandbox's real address, in a temporary folder. */
function gatewaysFile(dir: string, example: string, url: string, edit: (json: any) => void = () => undefined): string {
  const json = JSON.parse(readFileSync(join(EXAMPLES, example), 'utf8').split(SANDBOX_ADDRESS).join(url));
  edit(json);
  const file = join(dir, example);
  writeFileSync(file, JSON.stringify(json));
  return file;
}

const decide = async (app: TestApp, body: object): Promise<Decision> =>
  (await app.http().post('/v1/decisions').send(body).expect(201)).body as Decision;

const statuses = (decision: Decision) => Object.fromEntries(decision.signals.map((s) => [s.signal, s.status]));

describe('gateway profiles, end to end against the sandbox playing each provider (e2e)', () => {
  let dir: string;
  let builtIn: TestApp;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'linetrust-gateways-'));
    builtIn = await startTestApp({ lines: TEST_LINES, now: NOW });
  });
  afterAll(async () => {
    await builtIn.close();
    rmSync(dir, { recursive: true, force: true });
  });

  describe.each(PROFILES)('$file', (profile) => {
    let sandbox: Sandbox;
    let app: TestApp;
    let keys: ClientKeys | undefined;
    beforeAll(async () => {
      keys = profile.keys ? await generateClientKeys(profile.keys) : undefined;
      const env: Record<string, string> = { SANDBOX_CIBA_INTERVAL_S: '0' };
      if (keys) env.SANDBOX_CLIENT_PUBLIC_KEYS = keys.publicKeyFile;
      if (profile.sandbox === 'nokia') env.SANDBOX_API_KEY = NAC_API_KEY;
      sandbox = await startSandbox({ lines: TEST_LINES, now: NOW, profile: profile.sandbox, env });
      const file = gatewaysFile(dir, profile.file, sandbox.url, (json) => {
        // A generous wait: this test is about the answers, the pending path has its own.
        for (const gateway of Object.values<any>(json.gateways)) if (gateway.auth.flow === 'ciba') gateway.auth.consentWaitMs = 5000;
      });
      app = await startTestApp({ lines: TEST_LINES, now: NOW, env: { GATEWAYS_FILE: file, SIGNAL_TIMEOUT_MS: '10000', ...profile.secrets(keys) } });
    });
    afterAll(async () => {
      await app.close();
      await sandbox.close();
      if (keys) rmSync(keys.dir, { recursive: true, force: true });
    });

    const cases = [LINE.established, LINE.newLine, LINE.simSwapped5h, LINE.recycled, LINE.noSwapData, LINE.notSubscriber].flatMap((phoneNumber) =>
      USE_CASES.map((body) => ({ ...body, phoneNumber })),
    );
    it.each(cases)('decides $useCase for $phoneNumber as the built-in operator does, its signals answered', async (body) => {
      const expected = await decide(builtIn, body);
      const actual = await decide(app, body);

      expect({ outcome: actual.outcome, reasons: actual.reasons.map((r) => r.code), statuses: statuses(actual) }).toEqual({
        outcome: expected.outcome,
        reasons: expected.reasons.map((r) => r.code),
        statuses: statuses(expected),
      });
      expect(actual.signals.length).toBeGreaterThan(0);
      for (const signal of actual.signals) expect(['OK', 'NOT_APPLICABLE', 'NOT_SUBSCRIBER', 'MISSING_INPUT']).toContain(signal.status);
    });

    it('calls only the APIs at the paths the profile serves (no 404 at the sandbox)', async () => {
      await decide(app, { useCase: 'account_recovery', phoneNumber: LINE.established, trustedSince: '2024-01-01' });
      const missed = sandbox.requests.filter((r) => !r.path.includes('token') && !r.path.includes('authorize') && !/check|retrieve/.test(r.path));
      expect(missed).toEqual([]);
    });
  });
});

describe('3-legged flows in decisions (e2e)', () => {
  const COLD = '+34611000101';
  const SLOW = '+34611000102';
  const DENIED = '+34611000103';
  const OPTED_OUT = '+34611000104';
  const FRESH = '+34611000105';
  const established = TEST_LINES[0];
  const LINES = [
    ...TEST_LINES,
    { ...established, phoneNumber: COLD, consent: { pendingSeconds: 3600 } },
    { ...established, phoneNumber: SLOW, consent: { pendingSeconds: 1 } },
    { ...established, phoneNumber: DENIED, consent: 'denied' },
    { ...established, phoneNumber: OPTED_OUT, consent: 'opted_out' },
    { ...established, phoneNumber: FRESH, consent: { pendingSeconds: 3600 } },
  ];
  let dir: string;
  let sandbox: Sandbox;
  let app: TestApp;
  const logs = new LogCapture();
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'linetrust-ciba-'));
    sandbox = await startSandbox({ lines: LINES, now: NOW, profile: 'telefonica', env: { SANDBOX_CIBA_INTERVAL_S: '1' } });
    const file = gatewaysFile(dir, 'telefonica.json', sandbox.url);
    app = await startTestApp({
      lines: LINES,
      now: NOW,
      logger: logs,
      env: {
        GATEWAYS_FILE: file,
        TELEFONICA_CLIENT_SECRET: CLIENT_SECRET,
        DECISION_DEADLINE_MS: '1000',
        CIRCUIT_FAILURE_THRESHOLD: '2',
        SIGNAL_MAX_ATTEMPTS: '1',
      },
    });
  });
  afterAll(async () => {
    await app.close();
    await sandbox.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('decides without waiting for a pending consent: CONSENT_PENDING, and the policy fails closed', async () => {
    const decision = await decide(app, { useCase: 'onboarding', phoneNumber: COLD });

    expect(statuses(decision)).toEqual({ tenure: 'CONSENT_PENDING', simSwap: 'CONSENT_PENDING' });
    expect(decision.outcome).not.toBe('ALLOW');
  });

  it('starts exactly one flow for 50 concurrent decisions about a subscriber never seen before', async () => {
    const before = sandbox.hits('/bc-authorize');

    const decisions = await Promise.all(Array.from({ length: 50 }, () => decide(app, { useCase: 'onboarding', phoneNumber: FRESH })));

    expect(new Set(decisions.flatMap((d) => d.signals.map((s) => s.status)))).toEqual(new Set(['CONSENT_PENDING']));
    // onboarding reads tenure and SIM Swap, both under dpv:FraudPreventionAndDetection: one token covers both.
    expect(sandbox.hits('/bc-authorize') - before).toBe(1);
  });

  it('serves the next decision with the token that arrived after the first one was answered', async () => {
    const first = await decide(app, { useCase: 'onboarding', phoneNumber: SLOW });
    expect(statuses(first)).toEqual({ tenure: 'CONSENT_PENDING', simSwap: 'CONSENT_PENDING' });

    await logs.waitFor(/telefonica: ciba token for \+34\*+102/);
    const next = await decide(app, { useCase: 'onboarding', phoneNumber: SLOW });

    expect(statuses(next)).toEqual({ tenure: 'OK', simSwap: 'OK' });
    expect(next.outcome).toBe('ALLOW');
  });

  it('reads a refused consent as CONSENT_REFUSED, and refusals never open the circuit', async () => {
    for (const phoneNumber of [DENIED, OPTED_OUT, DENIED, OPTED_OUT]) {
      const decision = await decide(app, { useCase: 'onboarding', phoneNumber });
      if (phoneNumber === OPTED_OUT) expect(statuses(decision)).toEqual({ tenure: 'CONSENT_REFUSED', simSwap: 'CONSENT_REFUSED' });
      else expect(['CONSENT_PENDING', 'CONSENT_REFUSED']).toContain(decision.signals[0].status);
    }
    await logs.waitFor(/telefonica: ciba refused for \+34\*+103/);
    const denied = await decide(app, { useCase: 'onboarding', phoneNumber: DENIED });
    expect(statuses(denied)).toEqual({ tenure: 'CONSENT_REFUSED', simSwap: 'CONSENT_REFUSED' });

    const status = (await app.http().get('/v1/signals').expect(200)).body as { items: { signal: string; circuit: string }[] };
    expect(status.items.filter((item) => item.signal === 'tenure' || item.signal === 'simSwap').map((item) => item.circuit)).toEqual(['closed', 'closed']);
  });

  it('never writes the subscriber number in clear in the service log', () => {
    const numbers = [COLD, SLOW, DENIED, OPTED_OUT, FRESH];
    for (const line of logs.lines) for (const number of numbers) expect(line).not.toContain(number);
  });
});

describe('routing numbers to gateways (e2e)', () => {
  let dir: string;
  let spain: Sandbox;
  let uk: Sandbox;
  let app: TestApp;
  const UK_LINE = { ...TEST_LINES[0], phoneNumber: '+447700900001' };
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'linetrust-routing-'));
    spain = await startSandbox({ lines: TEST_LINES, now: NOW });
    uk = await startSandbox({ lines: [UK_LINE], now: NOW });
    const operator = (url: string) => JSON.parse(readFileSync(join(EXAMPLES, 'operator-2legged.json'), 'utf8').split(SANDBOX_ADDRESS).join(url)).gateways.operator;
    const file = join(dir, 'gateways.json');
    writeFileSync(
      file,
      JSON.stringify({
        gateways: { es: operator(spain.url), uk: operator(uk.url) },
        routes: [
          { prefix: '+34', gateway: 'es' },
          { prefix: '+44', gateway: 'uk' },
        ],
      }),
    );
    app = await startTestApp({ lines: TEST_LINES, now: NOW, env: { GATEWAYS_FILE: file, OPERATOR_CLIENT_SECRET: CLIENT_SECRET } });
  });
  afterAll(async () => {
    await app.close();
    await spain.close();
    await uk.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const apiCalls = (sandbox: Sandbox) => sandbox.requests.filter((r) => /check|retrieve/.test(r.path)).length;

  it('sends each number to the gateway of its prefix, and only there', async () => {
    const before = { es: apiCalls(spain), uk: apiCalls(uk) };
    const british = await decide(app, { useCase: 'onboarding', phoneNumber: UK_LINE.phoneNumber });

    expect(statuses(british)).toEqual({ tenure: 'OK', simSwap: 'OK' });
    const britishCalls = british.signals.reduce((sum, s) => sum + s.attempts, 0);
    expect(britishCalls).toBeGreaterThan(0);
    expect(apiCalls(uk) - before.uk).toBe(britishCalls);
    expect(apiCalls(spain) - before.es).toBe(0);

    const spanish = await decide(app, { useCase: 'onboarding', phoneNumber: LINE.established });
    expect(statuses(spanish)).toEqual({ tenure: 'OK', simSwap: 'OK' });
    expect(apiCalls(spain) - before.es).toBe(spanish.signals.reduce((sum, s) => sum + s.attempts, 0));
    expect(apiCalls(uk) - before.uk).toBe(britishCalls);
  });

  it('answers NO_COVERAGE for a number no gateway serves, asking nobody, and tells it apart from UNAVAILABLE', async () => {
    const before = spain.requests.length + uk.requests.length;
    const decision = await decide(app, { useCase: 'onboarding', phoneNumber: '+12025550100' });

    expect(statuses(decision)).toEqual({ tenure: 'NO_COVERAGE', simSwap: 'NO_COVERAGE' });
    expect(decision.signals.every((s) => s.attempts === 0)).toBe(true);
    expect(spain.requests.length + uk.requests.length).toBe(before);
    const metrics = (await app.http().get('/metrics').expect(200)).text;
    expect(metrics).toMatch(/linetrust_signal_queries_total\{[^}]*result="no_coverage"[^}]*\} 2/);
  });
});
