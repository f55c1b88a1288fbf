import { ALL_SCOPES, CLIENT_ID, CLIENT_SECRET, expectCamaraError, Sandbox, startSandbox } from './support/sandbox-harness';

/**
 * The sandbox operator server against what every CAMARA scenario shares: the token endpoint,
 * authentication (401), scopes (403), the phoneNumber rules of Commonalities C02, request body
 * syntax (400) and x-correlator, for each of the eight operations. The API-specific scenarios of
 * the feature files are in sandbox-conformance-apis.e2e-spec.ts.
 */
const NOW = new Date('2026-06-15T12:00:00Z');
const HOLDER = '+34611200001';
const OTHER_HOLDER = '+34611200002';
const NOT_SUBSCRIBER = '+34699999999';
const LINES = [
  { phoneNumber: HOLDER, subscriberSince: '2019-03-01', contractType: 'PAYM', latestSimChange: '-120h', latestDeviceChange: '-120h' },
  { phoneNumber: OTHER_HOLDER, subscriberSince: '2026-05-01', contractType: 'PAYG', latestSimChange: '-10h', latestDeviceChange: '-10h' },
];

interface Operation {
  path: string;
  scope: string;
  /** A valid body without phoneNumber. */
  body: Record<string, unknown>;
  /** HOLDER's answer. */
  answer: Record<string, unknown>;
}

const OPERATIONS: Operation[] = [
  { path: '/kyc-tenure/v0.3rc1/check-tenure', scope: 'kyc-tenure:check-tenure', body: { tenureDate: '2020-01-01' }, answer: { tenureDateCheck: true, contractType: 'PAYM' } },
  { path: '/kyc-tenure/v0.2/check-tenure', scope: 'kyc-tenure:check-tenure', body: { tenureDate: '2020-01-01' }, answer: { tenureDateCheck: true, contractType: 'PAYM' } },
  { path: '/number-recycling/v0.3rc1/check', scope: 'number-recycling:check', body: { specifiedDate: '2020-01-01' }, answer: { phoneNumberRecycled: false } },
  { path: '/number-recycling/v0.2/check', scope: 'number-recycling:check', body: { specifiedDate: '2020-01-01' }, answer: { phoneNumberRecycled: false } },
  { path: '/sim-swap/v2/check', scope: 'sim-swap:check', body: { maxAge: 240 }, answer: { swapped: true } },
  { path: '/sim-swap/v2/retrieve-date', scope: 'sim-swap:retrieve-date', body: {}, answer: { latestSimChange: '2026-06-10T12:00:00.000Z' } },
  { path: '/device-swap/v1/check', scope: 'device-swap:check', body: { maxAge: 240 }, answer: { swapped: true } },
  { path: '/device-swap/v1/retrieve-date', scope: 'device-swap:retrieve-date', body: {}, answer: { latestDeviceChange: '2026-06-10T12:00:00.000Z' } },
];

describe('sandbox operator server: token endpoint and common CAMARA scenarios (e2e)', () => {
  let sandbox: Sandbox;
  let twoLegged: string;

  beforeAll(async () => {
    sandbox = await startSandbox({ lines: LINES, now: NOW, env: { SANDBOX_TOKEN_TTL_S: '600' } });
    twoLegged = await sandbox.token();
  });
  afterAll(async () => {
    await sandbox.close();
  });
  afterEach(() => sandbox.clock.set(NOW));

  describe('POST /oauth2/token', () => {
    const grant = { grant_type: 'client_credentials', scope: 'sim-swap:check dpv:FraudPreventionAndDetection' };

    it('issues a Bearer token for HTTP Basic client credentials, with its lifetime and scopes', async () => {
      const response = await sandbox.tokenRequest(grant, [CLIENT_ID, CLIENT_SECRET]);
      expect(response.status).toBe(200);
      expect(response.body).toEqual({
        access_token: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
        token_type: 'Bearer',
        expires_in: 600,
        scope: 'sim-swap:check dpv:FraudPreventionAndDetection',
      });
      // RFC 6749 5.1: token responses must not be cached.
      expect(response.headers.get('cache-control')).toBe('no-store');
      expect(response.headers.get('pragma')).toBe('no-cache');
    });

    it('accepts the client credentials as form fields too, and issues a different token each time', async () => {
      const first = await sandbox.tokenRequest({ ...grant, client_id: CLIENT_ID, client_secret: CLIENT_SECRET });
      const second = await sandbox.tokenRequest({ ...grant, client_id: CLIENT_ID, client_secret: CLIENT_SECRET });
      expect([first.status, second.status]).toEqual([200, 200]);
      expect(first.body.access_token).not.toBe(second.body.access_token);
    });

    it('decodes form-urlencoded Basic credentials (RFC 6749 2.3.1)', async () => {
      const response = await sandbox.request('POST', '/oauth2/token', {
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          authorization: `Basic ${Buffer.from(`${encodeURIComponent(CLIENT_ID)}:${encodeURIComponent(CLIENT_SECRET)}`).toString('base64')}`,
        },
        body: 'grant_type=client_credentials&scope=sim-swap%3Acheck',
      });
      expect(response.status).toBe(200);
    });

    it.each([
      ['a wrong secret', { ...grant }, [CLIENT_ID, 'wrong'] as [string, string]],
      ['an unknown client', { ...grant }, ['someone', CLIENT_SECRET] as [string, string]],
      ['no client authentication', { ...grant }, undefined],
      ['a client id without its secret', { ...grant, client_id: CLIENT_ID }, undefined],
      ['a wrong secret in the form', { ...grant, client_id: CLIENT_ID, client_secret: 'wrong' }, undefined],
    ])('answers 401 invalid_client for %s', async (_label, form, basic) => {
      const response = await sandbox.tokenRequest(form, basic);
      expect(response.status).toBe(401);
      expect(response.body).toEqual({ error: 'invalid_client', error_description: expect.any(String) });
      expect(response.headers.get('www-authenticate')).toMatch(/^Basic /);
    });

    it.each([
      ['no grant_type', { scope: 'sim-swap:check' }, 'invalid_request'],
      ['grant_type password', { ...grant, grant_type: 'password' }, 'unsupported_grant_type'],
      ['grant_type authorization_code', { ...grant, grant_type: 'authorization_code' }, 'unsupported_grant_type'],
      ['no scope', { grant_type: 'client_credentials' }, 'invalid_scope'],
      ['an empty scope', { grant_type: 'client_credentials', scope: '' }, 'invalid_scope'],
      ['an unknown scope', { ...grant, scope: 'sim-swap:check location-verification:verify' }, 'invalid_scope'],
      ['a login_hint that is not tel:+E164', { ...grant, login_hint: '+34611200001' }, 'invalid_request'],
      ['a login_hint with a bad number', { ...grant, login_hint: 'tel:+0611200001' }, 'invalid_request'],
    ])('answers 400 %s -> %s', async (_label, form, error) => {
      const response = await sandbox.tokenRequest(form as Record<string, string>, [CLIENT_ID, CLIENT_SECRET]);
      expect(response.status).toBe(400);
      expect(response.body).toEqual({ error, error_description: expect.any(String) });
    });

    it('refuses two client authentication methods at once (RFC 6749 2.3.1)', async () => {
      const response = await sandbox.tokenRequest({ ...grant, client_secret: CLIENT_SECRET }, [CLIENT_ID, CLIENT_SECRET]);
      expect(response.status).toBe(400);
      expect(response.body.error).toBe('invalid_request');
    });

    it('refuses a repeated parameter (RFC 6749 3.1)', async () => {
      const response = await sandbox.request('POST', '/oauth2/token', {
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: `grant_type=client_credentials&scope=sim-swap%3Acheck&scope=kyc-tenure%3Acheck-tenure&client_id=${CLIENT_ID}&client_secret=${CLIENT_SECRET}`,
      });
      expect(response.status).toBe(400);
      expect(response.body.error).toBe('invalid_request');
    });

    it('refuses a JSON body: the token endpoint is form-encoded', async () => {
      const response = await sandbox.post('/oauth2/token', {
        body: { grant_type: 'client_credentials', scope: 'sim-swap:check', client_id: CLIENT_ID, client_secret: CLIENT_SECRET },
      });
      expect(response.status).toBe(400);
      expect(response.body.error).toBe('invalid_request');
    });

    it('grants the legacy whole-API scopes that SIM Swap and Device Swap list as alternatives', async () => {
      const token = await sandbox.token('sim-swap device-swap');
      for (const path of ['/sim-swap/v2/check', '/sim-swap/v2/retrieve-date', '/device-swap/v1/check', '/device-swap/v1/retrieve-date']) {
        expect((await sandbox.post(path, { token, body: { phoneNumber: HOLDER } })).status).toBe(200);
      }
      const tenure = await sandbox.post('/kyc-tenure/v0.3rc1/check-tenure', { token, body: { phoneNumber: HOLDER, tenureDate: '2020-01-01' } });
      expectCamaraError(tenure, 403, 'PERMISSION_DENIED');
    });

    it('a token expires after expires_in seconds, by the server clock', async () => {
      const token = await sandbox.token('sim-swap:check');
      const call = () => sandbox.post('/sim-swap/v2/check', { token, body: { phoneNumber: HOLDER } });
      sandbox.clock.set(new Date(NOW.getTime() + 599_000));
      expect((await call()).status).toBe(200);
      sandbox.clock.set(new Date(NOW.getTime() + 600_000));
      expectCamaraError(await call(), 401, 'UNAUTHENTICATED');
    });
  });

  describe.each(OPERATIONS)('POST $path', ({ path, scope, body, answer }) => {
    it('2-legged: answers 200 JSON for the phoneNumber in the body, echoing x-correlator', async () => {
      const response = await sandbox.post(path, { token: twoLegged, body: { ...body, phoneNumber: HOLDER }, headers: { 'x-correlator': 'b4333c46-49c0-4f62-80d7-f0ef930f1c46' } });
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toMatch(/^application\/json/);
      expect(response.headers.get('x-correlator')).toBe('b4333c46-49c0-4f62-80d7-f0ef930f1c46');
      expect(response.body).toEqual(answer);
    });

    it('3-legged: answers for the number the token was issued for, without phoneNumber', async () => {
      const token = await sandbox.token(scope, HOLDER);
      const response = await sandbox.post(path, { token, body });
      expect(response.status).toBe(200);
      expect(response.body).toEqual(answer);
    });

    it('401 UNAUTHENTICATED without an Authorization header (401.3)', async () => {
      const response = await sandbox.post(path, { body: { ...body, phoneNumber: HOLDER } });
      expectCamaraError(response, 401, 'UNAUTHENTICATED');
      expect(response.headers.get('www-authenticate')).toMatch(/^Bearer /);
    });

    it.each([
      ['an unknown token', { authorization: 'Bearer not-a-token-we-issued' }],
      ['a token in another scheme', { authorization: 'Basic bGluZXRydXN0LXNhbmRib3g6bGluZXRydXN0LXNhbmRib3gtc2VjcmV0' }],
      ['an empty Bearer', { authorization: 'Bearer ' }],
    ])('401 UNAUTHENTICATED for %s (401.2)', async (_label, headers) => {
      const response = await sandbox.post(path, { headers, body: { ...body, phoneNumber: HOLDER } });
      expectCamaraError(response, 401, 'UNAUTHENTICATED');
      expect(response.headers.get('www-authenticate')).toMatch(/error="invalid_token"/);
    });

    it('401 UNAUTHENTICATED for an expired token (401.1)', async () => {
      const token = await sandbox.token(scope);
      sandbox.clock.set(new Date(NOW.getTime() + 601_000));
      const response = await sandbox.post(path, { token, body: { ...body, phoneNumber: HOLDER } });
      expectCamaraError(response, 401, 'UNAUTHENTICATED');
      expect(response.body.message).toMatch(/expired/);
    });

    it('401 comes before any look at the body', async () => {
      expectCamaraError(await sandbox.post(path, { body: '{ not json', headers: { 'content-type': 'application/json' } }), 401, 'UNAUTHENTICATED');
    });

    it('403 PERMISSION_DENIED for a token without the operation scope (403.1)', async () => {
      const other = OPERATIONS.find((operation) => operation.scope !== scope && !operation.scope.startsWith(scope.split(':')[0]));
      const token = await sandbox.token(`${other?.scope} dpv:FraudPreventionAndDetection`);
      expectCamaraError(await sandbox.post(path, { token, body: { ...body, phoneNumber: HOLDER } }), 403, 'PERMISSION_DENIED');
    });

    it.each(['+34 611200001', '0034611200001', '+034611200001', '34611200001', '+1234', '+1234567890123456', '', 34611200001, null])(
      '400 INVALID_ARGUMENT for phoneNumber %p, not compliant with the schema (C02.01)',
      async (phoneNumber) => {
        const response = await sandbox.post(path, { token: twoLegged, body: { ...body, phoneNumber } });
        expectCamaraError(response, 400, 'INVALID_ARGUMENT');
        expect(response.body.message).toMatch(/phoneNumber/);
      },
    );

    it('404 IDENTIFIER_NOT_FOUND for a number the operator does not serve (C02.02)', async () => {
      expectCamaraError(await sandbox.post(path, { token: twoLegged, body: { ...body, phoneNumber: NOT_SUBSCRIBER } }), 404, 'IDENTIFIER_NOT_FOUND');
    });

    it.each([HOLDER, OTHER_HOLDER])('422 UNNECESSARY_IDENTIFIER with a 3-legged token and phoneNumber %s, the token\'s own or another (C02.03)', async (phoneNumber) => {
      const token = await sandbox.token(scope, HOLDER);
      expectCamaraError(await sandbox.post(path, { token, body: { ...body, phoneNumber } }), 422, 'UNNECESSARY_IDENTIFIER');
    });

    it('422 MISSING_IDENTIFIER with a 2-legged token and no phoneNumber (C02.04)', async () => {
      expectCamaraError(await sandbox.post(path, { token: twoLegged, body }), 422, 'MISSING_IDENTIFIER');
    });

    it('400 INVALID_ARGUMENT without a request body, even with a 3-legged token (400.2)', async () => {
      const token = await sandbox.token(scope, HOLDER);
      const response = await sandbox.post(path, { token, headers: { 'x-correlator': 'no-body-1' } });
      expectCamaraError(response, 400, 'INVALID_ARGUMENT');
      expect(response.headers.get('x-correlator')).toBe('no-body-1');
    });

    it.each([
      ['an empty JSON body', ''],
      ['malformed JSON', '{"phoneNumber": '],
      ['a JSON array', '[]'],
      ['JSON null', 'null'],
      ['a JSON string', '"+34611200001"'],
    ])('400 INVALID_ARGUMENT for %s', async (_label, raw) => {
      const response = await sandbox.post(path, { token: twoLegged, body: raw, headers: { 'content-type': 'application/json' } });
      expectCamaraError(response, 400, 'INVALID_ARGUMENT');
      expect(response.body.message).toMatch(/request body/);
    });

    it('415 UNSUPPORTED_MEDIA_TYPE for a body that is not JSON', async () => {
      const response = await sandbox.post(path, { token: twoLegged, body: 'phoneNumber=+34611200001', headers: { 'content-type': 'text/plain' } });
      expectCamaraError(response, 415, 'UNSUPPORTED_MEDIA_TYPE');
    });

    it('400 INVALID_ARGUMENT for an x-correlator off the CAMARA pattern, answered with a fresh one', async () => {
      const response = await sandbox.post(path, { token: twoLegged, body: { ...body, phoneNumber: HOLDER }, headers: { 'x-correlator': 'has space' } });
      expectCamaraError(response, 400, 'INVALID_ARGUMENT');
      expect(response.body.message).toMatch(/x-correlator/);
      expect(response.headers.get('x-correlator')).toMatch(/^[0-9a-f-]{36}$/);
    });

    it('generates an x-correlator when the request has none', async () => {
      const response = await sandbox.post(path, { token: twoLegged, body: { ...body, phoneNumber: HOLDER } });
      expect(response.headers.get('x-correlator')).toMatch(/^[0-9a-f-]{36}$/);
    });

    it('405 METHOD_NOT_ALLOWED for another method, with Allow: POST', async () => {
      const response = await sandbox.request('GET', path, { token: twoLegged });
      expectCamaraError(response, 405, 'METHOD_NOT_ALLOWED');
      expect(response.headers.get('allow')).toBe('POST');
    });
  });

  describe('x-correlator and unknown routes', () => {
    it.each(['', 'a'.repeat(256), 'urn:x;{1}/<2>.z_9-8'])('echoes the correlator %p, which the pattern allows', async (correlator) => {
      const response = await sandbox.post('/sim-swap/v2/check', { token: twoLegged, body: { phoneNumber: HOLDER }, headers: { 'x-correlator': correlator } });
      expect(response.status).toBe(200);
      expect(response.headers.get('x-correlator')).toBe(correlator);
    });

    it('refuses a correlator of 257 characters', async () => {
      const response = await sandbox.post('/sim-swap/v2/check', { token: twoLegged, body: { phoneNumber: HOLDER }, headers: { 'x-correlator': 'a'.repeat(257) } });
      expectCamaraError(response, 400, 'INVALID_ARGUMENT');
    });

    it.each([
      ['POST', '/sim-swap/v1/check'],
      ['POST', '/kyc-tenure/v0.3/check-tenure'],
      ['GET', '/'],
    ])('%s %s is 404 NOT_FOUND in the CAMARA shape, with a correlator', async (method, path) => {
      const response = await sandbox.request(method, path, { token: twoLegged, headers: { 'x-correlator': 'lost-1' } });
      expectCamaraError(response, 404, 'NOT_FOUND');
      expect(response.headers.get('x-correlator')).toBe('lost-1');
    });

    it('a token for every scope reaches every operation', async () => {
      const token = await sandbox.token(ALL_SCOPES);
      for (const { path, body } of OPERATIONS) {
        expect((await sandbox.post(path, { token, body: { ...body, phoneNumber: HOLDER } })).status).toBe(200);
      }
    });
  });
});
