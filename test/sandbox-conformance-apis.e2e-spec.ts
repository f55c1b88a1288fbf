import { expectCamaraError, Sandbox, startSandbox } from './support/sandbox-harness';

/**
 * The API-specific scenarios of the CAMARA feature files, walked against the sandbox operator
 * server: kyc-tenure.feature (v0.3rc1 and v0.2), number-recycling.feature (v0.3rc1 and v0.2),
 * sim-swap-checkSimSwap / retrieveSimSwapDate.feature (v2) and device-swap-checkDeviceSwap /
 * retrieveDeviceSwapDate.feature (v1). Scenario tags are quoted in the test names. The scenarios
 * every operation shares (401, 403, C02, x-correlator) are in sandbox-conformance.e2e-spec.ts.
 */
const NOW = new Date('2026-06-15T12:00:00Z'); // today is 2026-06-15
const HOLDER = '+34611300001'; // the same holder since 2019-03-01, PAYM
const NEW_HOLDER = '+34611300002'; // a new holder since 2026-05-01, PAYG; SIM and device from then
const NO_DATA = '+34611300003'; // since 2018-09-09, no contract type, never paired with a SIM or device
const OLD_SWAP = '+34611300004'; // SIM and device last changed 300 hours ago
const NOT_SUBSCRIBER = '+34699999999';
const HOURS = [260, 120, 24, 12]; // the feature files' Examples
const swappedAgo = (hours: number) => `+3461131${String(hours).padStart(4, '0')}`;

const LINES = [
  { phoneNumber: HOLDER, subscriberSince: '2019-03-01', contractType: 'PAYM', latestSimChange: '2019-03-01T10:00:00Z', latestDeviceChange: '2024-01-01T08:00:00Z' },
  { phoneNumber: NEW_HOLDER, subscriberSince: '2026-05-01', contractType: 'PAYG', latestSimChange: '2026-05-01T09:00:00Z', latestDeviceChange: '2026-05-01T09:00:00+02:00' },
  { phoneNumber: NO_DATA, subscriberSince: '2018-09-09' },
  { phoneNumber: OLD_SWAP, subscriberSince: '2020-01-01', latestSimChange: '-300h', latestDeviceChange: '-300h' },
  ...HOURS.map((hours) => ({ phoneNumber: swappedAgo(hours), subscriberSince: '2020-01-01', latestSimChange: `-${hours}h`, latestDeviceChange: `-${hours}h` })),
];

const BAD_DATES = ['2023-7-3', '03/07/2023', '2023-02-30', '2023-13-01', '2023-07-03T00:00:00Z', '20230703', '', 20230703, null, {}];

describe('sandbox operator server: CAMARA feature scenarios per API (e2e)', () => {
  let sandbox: Sandbox;
  let token: string;

  beforeAll(async () => {
    sandbox = await startSandbox({ lines: LINES, now: NOW });
    token = await sandbox.token();
  });
  afterAll(async () => {
    await sandbox.close();
  });

  describe.each([
    ['v0.3rc1', true],
    ['v0.2', false],
  ])('KYC Tenure %s: POST /check-tenure', (version, strict) => {
    const path = `/kyc-tenure/${version}/check-tenure`;
    const check = (body: unknown, correlator = 'tenure-1') => sandbox.post(path, { token, body, headers: { 'x-correlator': correlator } });

    it('@checkTenure_1_tenure_check_true: tenure held since tenureDate, with contractType', async () => {
      const response = await check({ phoneNumber: HOLDER, tenureDate: '2020-01-01' });
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toMatch(/^application\/json/);
      expect(response.headers.get('x-correlator')).toBe('tenure-1');
      expect(response.body).toEqual({ tenureDateCheck: true, contractType: 'PAYM' });
    });

    it('@checkTenure_2_tenure_check_false: a holder newer than tenureDate', async () => {
      const response = await check({ phoneNumber: NEW_HOLDER, tenureDate: '2026-01-01' });
      expect(response.status).toBe(200);
      expect(response.body).toEqual({ tenureDateCheck: false, contractType: 'PAYG' });
    });

    it.each([
      ['2026-05-01', true, 'the day the holder started'],
      ['2026-04-30', false, 'the day before'],
      ['2026-06-15', true, 'today, which is not the future'],
    ])('tenureDate %s -> tenureDateCheck %s (%s)', async (tenureDate, expected) => {
      expect((await check({ phoneNumber: NEW_HOLDER, tenureDate })).body).toEqual({ tenureDateCheck: expected, contractType: 'PAYG' });
    });

    it('omits contractType when the operator does not know it', async () => {
      const response = await check({ phoneNumber: NO_DATA, tenureDate: '2020-01-01' });
      expect(response.body).toEqual({ tenureDateCheck: true });
    });

    it('answers a 3-legged token for its own number', async () => {
      const threeLegged = await sandbox.token('kyc-tenure:check-tenure', NEW_HOLDER);
      const response = await sandbox.post(path, { token: threeLegged, body: { tenureDate: '2026-01-01' } });
      expect(response.body).toEqual({ tenureDateCheck: false, contractType: 'PAYG' });
    });

    it('@checkTenure_400.1_no_request_body', async () => {
      const response = await sandbox.post(path, { token, headers: { 'x-correlator': 'tenure-400-1' } });
      expectCamaraError(response, 400, 'INVALID_ARGUMENT');
      expect(response.headers.get('x-correlator')).toBe('tenure-400-1');
    });

    it('@checkTenure_400.2_empty_request_body: {} is INVALID_ARGUMENT before any identifier rule', async () => {
      const response = await check({});
      expectCamaraError(response, 400, 'INVALID_ARGUMENT');
      expect(response.body.message).toMatch(/tenureDate/);
    });

    it.each(['2026-06-16', '2030-01-01'])('@checkTenure_400.3_out_of_range: tenureDate %s in the future', async (tenureDate) => {
      expectCamaraError(await check({ phoneNumber: HOLDER, tenureDate }), 400, 'OUT_OF_RANGE');
    });

    it.each(BAD_DATES)('@checkTenure_400.4_invalid_argument: tenureDate %p', async (tenureDate) => {
      const response = await check({ phoneNumber: HOLDER, tenureDate });
      expectCamaraError(response, 400, 'INVALID_ARGUMENT');
      expect(response.body.message).toMatch(/tenureDate/);
    });

    it(`${strict ? 'refuses' : 'ignores'} a property the spec does not declare (request body strictness ${strict ? 'clause' : 'not in v0.2'})`, async () => {
      const response = await check({ phoneNumber: HOLDER, tenureDate: '2020-01-01', contractType: 'PAYM' });
      if (strict) {
        expectCamaraError(response, 400, 'INVALID_ARGUMENT');
        expect(response.body.message).toMatch(/contractType/);
      } else {
        expect(response.status).toBe(200);
      }
    });

    it('@checkTenure_C02.02_phone_number_not_found', async () => {
      expectCamaraError(await check({ phoneNumber: NOT_SUBSCRIBER, tenureDate: '2020-01-01' }), 404, 'IDENTIFIER_NOT_FOUND');
    });
  });

  describe.each([
    ['v0.3rc1', true],
    ['v0.2', false],
  ])('Number Recycling %s: POST /check', (version, strict) => {
    const path = `/number-recycling/${version}/check`;
    const check = (body: unknown) => sandbox.post(path, { token, body, headers: { 'x-correlator': 'recycling-1' } });

    it('@checkNumberRecycling_01: false on the date the current user signed (the spec\'s scenario 1 note)', async () => {
      const response = await check({ phoneNumber: HOLDER, specifiedDate: '2019-03-01' });
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toMatch(/^application\/json/);
      expect(response.headers.get('x-correlator')).toBe('recycling-1');
      expect(response.body).toEqual({ phoneNumberRecycled: false });
    });

    it('@checkNumberRecycling_02: true when a new user holds the number since a date after specifiedDate', async () => {
      const response = await check({ phoneNumber: NEW_HOLDER, specifiedDate: '2025-12-22' });
      expect(response.status).toBe(200);
      expect(response.body).toEqual({ phoneNumberRecycled: true });
    });

    it.each([
      ['2026-04-30', true],
      ['2026-05-01', false],
      ['2026-06-15', false],
    ])('specifiedDate %s -> phoneNumberRecycled %s for a holder since 2026-05-01', async (specifiedDate, expected) => {
      expect((await check({ phoneNumber: NEW_HOLDER, specifiedDate })).body).toEqual({ phoneNumberRecycled: expected });
    });

    it('answers a 3-legged token for its own number', async () => {
      const threeLegged = await sandbox.token('number-recycling:check', NEW_HOLDER);
      expect((await sandbox.post(path, { token: threeLegged, body: { specifiedDate: '2025-12-22' } })).body).toEqual({ phoneNumberRecycled: true });
    });

    it.each(BAD_DATES)('@checkNumberRecycling_400.01_invalid_specifiedDate: %p', async (specifiedDate) => {
      const response = await check({ phoneNumber: HOLDER, specifiedDate });
      expectCamaraError(response, 400, 'INVALID_ARGUMENT');
      expect(response.body.message).toMatch(/specifiedDate/);
    });

    it('@checkNumberRecycling_400.2_no_request_body', async () => {
      expectCamaraError(await sandbox.post(path, { token }), 400, 'INVALID_ARGUMENT');
    });

    it('@checkNumberRecycling_400.3_empty_request_body', async () => {
      expectCamaraError(await check({}), 400, 'INVALID_ARGUMENT');
    });

    it('@checkNumberRecycling_400.4_out_of_range: specifiedDate tomorrow', async () => {
      expectCamaraError(await check({ phoneNumber: HOLDER, specifiedDate: '2026-06-16' }), 400, 'OUT_OF_RANGE');
    });

    it(`@checkNumberRecycling_400.5_invalid_argument: an undeclared property is ${strict ? 'refused' : 'ignored'}`, async () => {
      const response = await check({ phoneNumber: HOLDER, specifiedDate: '2020-01-01', trusted: true });
      if (strict) expectCamaraError(response, 400, 'INVALID_ARGUMENT');
      else expect(response.status).toBe(200);
    });

    it('@checkNumberRecycling_C02.02_phone_number_not_found', async () => {
      expectCamaraError(await check({ phoneNumber: NOT_SUBSCRIBER, specifiedDate: '2020-01-01' }), 404, 'IDENTIFIER_NOT_FOUND');
    });
  });

  describe.each([
    ['SIM Swap v2', '/sim-swap/v2', 'latestSimChange'],
    ['Device Swap v1', '/device-swap/v1', 'latestDeviceChange'],
  ])('%s', (_api, base, dateField) => {
    const check = (body: unknown) => sandbox.post(`${base}/check`, { token, body, headers: { 'x-correlator': 'swap-1' } });
    const retrieve = (body: unknown) => sandbox.post(`${base}/retrieve-date`, { token, body, headers: { 'x-correlator': 'swap-2' } });

    it('check _1_generic_success_scenario: 200 JSON { swapped: boolean }, correlator echoed', async () => {
      const response = await check({ phoneNumber: HOLDER, maxAge: 240 });
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toMatch(/^application\/json/);
      expect(response.headers.get('x-correlator')).toBe('swap-1');
      expect(response.body).toEqual({ swapped: false });
    });

    it('check _2_no_max_age: maxAge defaults to 240 hours (a swap 120 h ago is within it)', async () => {
      expect((await check({ phoneNumber: swappedAgo(120) })).body).toEqual({ swapped: true });
    });

    it.each(HOURS)('check _3_max_age: swapped %i hours ago, maxAge equal or greater -> true', async (hours) => {
      expect((await check({ phoneNumber: swappedAgo(hours), maxAge: hours })).body).toEqual({ swapped: true });
      expect((await check({ phoneNumber: swappedAgo(hours), maxAge: hours + 10 })).body).toEqual({ swapped: true });
    });

    it('check _4_more_than_240_hours: a swap 300 h ago without maxAge -> false', async () => {
      expect((await check({ phoneNumber: OLD_SWAP })).body).toEqual({ swapped: false });
    });

    it.each(HOURS)('check _5_out_of_max_age: swapped %i hours ago, maxAge one hour less -> false', async (hours) => {
      expect((await check({ phoneNumber: swappedAgo(hours), maxAge: hours - 1 })).body).toEqual({ swapped: false });
    });

    it('check _6_no_swap_no_max_age: paired more than 240 h ago and never since -> false', async () => {
      expect((await check({ phoneNumber: HOLDER })).body).toEqual({ swapped: false });
    });

    it.each(HOURS)('check _7_no_swap_with_max_age: paired 300 h ago, maxAge below %i -> false', async (hours) => {
      expect((await check({ phoneNumber: OLD_SWAP, maxAge: hours - 1 })).body).toEqual({ swapped: false });
    });

    it.each(['24', 24.5, null, true, [24], { hours: 24 }, 2_147_483_648])('check 400 invalid maxAge %p -> INVALID_ARGUMENT', async (maxAge) => {
      const response = await check({ phoneNumber: HOLDER, maxAge });
      expectCamaraError(response, 400, 'INVALID_ARGUMENT');
      expect(response.body.message).toMatch(/maxAge/);
    });

    it.each([100_000, 2401, 0, -1])('check 400 maxAge %i outside 1..2400 -> OUT_OF_RANGE', async (maxAge) => {
      expectCamaraError(await check({ phoneNumber: HOLDER, maxAge }), 400, 'OUT_OF_RANGE');
    });

    it.each([1, 2400])('check accepts maxAge %i, the ends of the range', async (maxAge) => {
      expect((await check({ phoneNumber: HOLDER, maxAge })).status).toBe(200);
    });

    it('ignores an undeclared property (no request body strictness clause in this version)', async () => {
      expect((await check({ phoneNumber: swappedAgo(12), maxAge: 24, imsi: '214010000000001' })).body).toEqual({ swapped: true });
    });

    it('check and retrieve-date: 404 IDENTIFIER_NOT_FOUND for a number the operator does not serve', async () => {
      expectCamaraError(await check({ phoneNumber: NOT_SUBSCRIBER }), 404, 'IDENTIFIER_NOT_FOUND');
      expectCamaraError(await retrieve({ phoneNumber: NOT_SUBSCRIBER }), 404, 'IDENTIFIER_NOT_FOUND');
    });

    it('retrieve-date _1_generic_success and _2_valid_swap: an RFC 3339 timestamp with time zone', async () => {
      const response = await retrieve({ phoneNumber: swappedAgo(24) });
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toMatch(/^application\/json/);
      expect(response.headers.get('x-correlator')).toBe('swap-2');
      expect(response.body).toEqual({ [dateField]: '2026-06-14T12:00:00.000Z' });
      expect(response.body[dateField]).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/);
    });

    it('retrieve-date _3_no_swap_returns_activation_date: the first pairing when never swapped since', async () => {
      const expected = dateField === 'latestSimChange' ? '2026-05-01T09:00:00.000Z' : '2026-05-01T07:00:00.000Z';
      expect((await retrieve({ phoneNumber: NEW_HOLDER })).body).toEqual({ [dateField]: expected });
    });

    it('retrieve-date answers a 3-legged token for its own number, from an empty body', async () => {
      const threeLegged = await sandbox.token(`${base.split('/')[1]}:retrieve-date`, swappedAgo(12));
      const response = await sandbox.post(`${base}/retrieve-date`, { token: threeLegged, body: {} });
      expect(response.body).toEqual({ [dateField]: '2026-06-15T00:00:00.000Z' });
    });
  });

  describe('SIM Swap v2: a line never paired with a SIM', () => {
    it('@check_sim_swap: not swapped', async () => {
      expect((await sandbox.post('/sim-swap/v2/check', { token, body: { phoneNumber: NO_DATA, maxAge: 2400 } })).body).toEqual({ swapped: false });
    });

    it('@retrieve_sim_swap_date_4_sim_never_associated: latestSimChange null', async () => {
      const response = await sandbox.post('/sim-swap/v2/retrieve-date', { token, body: { phoneNumber: NO_DATA } });
      expect(response.status).toBe(200);
      expect(response.body).toEqual({ latestSimChange: null });
    });
  });

  describe('Device Swap v1: a line never connected to a device', () => {
    it('@check_device_swap_8_NoDeviceSwapPhoneNumberNeverConnected: 422 SERVICE_NOT_APPLICABLE', async () => {
      expectCamaraError(await sandbox.post('/device-swap/v1/check', { token, body: { phoneNumber: NO_DATA } }), 422, 'SERVICE_NOT_APPLICABLE');
    });

    it('@retrieve_device_swap_date_5_not_activated: 422 SERVICE_NOT_APPLICABLE', async () => {
      expectCamaraError(await sandbox.post('/device-swap/v1/retrieve-date', { token, body: { phoneNumber: NO_DATA } }), 422, 'SERVICE_NOT_APPLICABLE');
    });
  });
});
