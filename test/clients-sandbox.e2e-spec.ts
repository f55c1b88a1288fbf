import { ClientCredentialsTokenSource } from '../src/signals/http/client-credentials.token-source';
import { DeviceSwapHttpClient } from '../src/signals/device-swap/device-swap.client';
import { NumberRecyclingHttpClient } from '../src/signals/number-recycling/number-recycling.client';
import { SimSwapHttpClient } from '../src/signals/sim-swap/sim-swap.client';
import { TenureHttpClient } from '../src/signals/tenure/tenure.client';
import { LINE, NOW, TEST_LINES } from './support/lines';
import { CLIENT_ID, CLIENT_SECRET, Sandbox, startSandbox } from './support/sandbox-harness';

/**
 * The CAMARA clients against the sandbox operator server over loopback: every operation and
 * version, the error mapping, and the token life cycle. (Their unit tests use a mock operator;
 * this proves the two sides of this repository agree on the specs.)
 */
const FAULTY = { forbidden: '+34633000001', throttled: '+34633000002', broken: '+34633000003' };
const base = TEST_LINES[0];
const LINES = [
  ...TEST_LINES,
  { ...base, phoneNumber: FAULTY.forbidden, faults: { status: 403 } },
  { ...base, phoneNumber: FAULTY.throttled, faults: { status: 429, retryAfterS: 7 } },
  { ...base, phoneNumber: FAULTY.broken, faults: { status: 503 } },
];

describe('CAMARA clients against the sandbox operator (e2e)', () => {
  let sandbox: Sandbox;
  let tokens: ClientCredentialsTokenSource;
  const ctx = { correlator: 'clients-e2e' };
  const options = (version: string) => ({ apiRoot: sandbox.url, version, tokens });

  beforeAll(async () => {
    sandbox = await startSandbox({ lines: LINES, now: NOW, env: { SANDBOX_TOKEN_TTL_S: '3600' } });
    tokens = new ClientCredentialsTokenSource({ tokenUrl: `${sandbox.url}/oauth2/token`, clientId: CLIENT_ID, clientSecret: CLIENT_SECRET });
  });
  afterAll(async () => {
    await sandbox.close();
  });

  it.each(['v0.3rc1', 'v0.2'])('KYC Tenure %s: tenureDateCheck and contractType, 404 as NOT_SUBSCRIBER, 400 OUT_OF_RANGE', async (version) => {
    const tenure = new TenureHttpClient(options(version));
    await expect(tenure.checkTenure({ phoneNumber: LINE.established, tenureDate: '2018-01-10' }, ctx)).resolves.toEqual({
      status: 'OK',
      value: { tenureDateCheck: true, contractType: 'PAYM' },
    });
    await expect(tenure.checkTenure({ phoneNumber: LINE.established, tenureDate: '2018-01-09' }, ctx)).resolves.toMatchObject({ value: { tenureDateCheck: false } });
    await expect(tenure.checkTenure({ phoneNumber: LINE.notSubscriber, tenureDate: '2020-01-01' }, ctx)).resolves.toMatchObject({ status: 'NOT_SUBSCRIBER' });
    await expect(tenure.checkTenure({ phoneNumber: LINE.established, tenureDate: '2026-06-16' }, ctx)).resolves.toMatchObject({ status: 'OUT_OF_RANGE' });
  });

  it.each(['v0.3rc1', 'v0.2'])('Number Recycling %s: phoneNumberRecycled on both sides of the holder change', async (version) => {
    const recycling = new NumberRecyclingHttpClient(options(version));
    await expect(recycling.check({ phoneNumber: LINE.recycled, specifiedDate: '2026-02-28' }, ctx)).resolves.toEqual({ status: 'OK', value: { phoneNumberRecycled: true } });
    await expect(recycling.check({ phoneNumber: LINE.recycled, specifiedDate: '2026-03-01' }, ctx)).resolves.toEqual({ status: 'OK', value: { phoneNumberRecycled: false } });
  });

  it('SIM Swap v2: check with maxAge, retrieve-date, null for a line never paired, 400 OUT_OF_RANGE', async () => {
    const simSwap = new SimSwapHttpClient(options('v2'));
    await expect(simSwap.check({ phoneNumber: LINE.simSwapped5h, maxAge: 5 }, ctx)).resolves.toEqual({ status: 'OK', value: { swapped: true } });
    await expect(simSwap.check({ phoneNumber: LINE.simSwapped5h, maxAge: 4 }, ctx)).resolves.toEqual({ status: 'OK', value: { swapped: false } });
    await expect(simSwap.retrieveDate({ phoneNumber: LINE.simSwapped5h }, ctx)).resolves.toEqual({ status: 'OK', value: { latestSimChange: '2026-06-15T07:00:00.000Z' } });
    await expect(simSwap.retrieveDate({ phoneNumber: LINE.noSwapData }, ctx)).resolves.toEqual({ status: 'OK', value: { latestSimChange: null } });
    await expect(simSwap.check({ phoneNumber: LINE.simSwapped5h, maxAge: 2401 }, ctx)).resolves.toMatchObject({ status: 'OUT_OF_RANGE' });
  });

  it('Device Swap v1: check, retrieve-date, 422 SERVICE_NOT_APPLICABLE as NOT_APPLICABLE', async () => {
    const deviceSwap = new DeviceSwapHttpClient(options('v1'));
    await expect(deviceSwap.check({ phoneNumber: LINE.newLine, maxAge: 240 }, ctx)).resolves.toEqual({ status: 'OK', value: { swapped: false } });
    await expect(deviceSwap.retrieveDate({ phoneNumber: LINE.newLine }, ctx)).resolves.toEqual({ status: 'OK', value: { latestDeviceChange: '2026-06-05T09:00:00.000Z' } });
    await expect(deviceSwap.check({ phoneNumber: LINE.noSwapData, maxAge: 24 }, ctx)).resolves.toMatchObject({ status: 'NOT_APPLICABLE' });
    await expect(deviceSwap.retrieveDate({ phoneNumber: LINE.noSwapData }, ctx)).resolves.toMatchObject({ status: 'NOT_APPLICABLE' });
  });

  it.each([
    [FAULTY.forbidden, { status: 'UNAVAILABLE', retryable: false, reason: expect.stringMatching(/403 PERMISSION_DENIED/) }],
    [FAULTY.throttled, { status: 'UNAVAILABLE', retryable: true, retryAfterMs: 7000, reason: expect.stringMatching(/429/) }],
    [FAULTY.broken, { status: 'UNAVAILABLE', retryable: true, reason: expect.stringMatching(/503/) }],
  ])('maps the operator failing for %s', async (phoneNumber, expected) => {
    const simSwap = new SimSwapHttpClient(options('v2'));
    await expect(simSwap.check({ phoneNumber, maxAge: 24 }, ctx)).resolves.toMatchObject(expected);
  });

  it('fetches a token once for many calls, and refreshes it when the operator says it expired', async () => {
    const fresh = new ClientCredentialsTokenSource({ tokenUrl: `${sandbox.url}/oauth2/token`, clientId: CLIENT_ID, clientSecret: CLIENT_SECRET });
    const tenure = new TenureHttpClient({ apiRoot: sandbox.url, version: 'v0.3rc1', tokens: fresh });
    const first = await fresh.token(['kyc-tenure:check-tenure']);
    for (let i = 0; i < 3; i++) await tenure.checkTenure({ phoneNumber: LINE.established, tenureDate: '2020-01-01' }, ctx);
    expect(await fresh.token(['kyc-tenure:check-tenure'])).toBe(first);
    // The sandbox's clock passes the token's expiry; ours does not know: the API's 401 tells it.
    sandbox.clock.set(new Date(NOW.getTime() + 3_601_000));
    try {
      await expect(tenure.checkTenure({ phoneNumber: LINE.established, tenureDate: '2020-01-01' }, ctx)).resolves.toMatchObject({ status: 'OK' });
      expect(await fresh.token(['kyc-tenure:check-tenure'])).not.toBe(first);
    } finally {
      sandbox.clock.set(NOW);
    }
  });
});
