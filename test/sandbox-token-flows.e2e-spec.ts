import { createPublicKey, randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  applicationJwtAuth,
  assertionClaims,
  basicAuth,
  cibaFlow,
  CLIENT_ID,
  CLIENT_SECRET,
  ClientKeys,
  generateClientKeys,
  ManualTicks,
  Sandbox,
  SandboxResponse,
  signJwt,
  startSandbox,
} from './support/sandbox-harness';

/**
 * The 3-legged token flows' refusals: CIBA poll mode (timed by a hand-stepped clock), the
 * JWT-Bearer grant, and the signed-JWT client authentication methods (private_key_jwt, Vonage's
 * application JWT), each failure named in error_description.
 */
const NOW = new Date('2026-06-15T12:00:00Z');
const HOLDER = '+34611400001';
const PENDING = '+34611400002';
const DENIED = '+34611400003';
const OPTED_OUT = '+34611400004';
const UNKNOWN = '+34699999999';
const LINES = [
  { phoneNumber: HOLDER, subscriberSince: '2019-03-01', latestSimChange: '-120h' },
  { phoneNumber: PENDING, subscriberSince: '2019-03-01', consent: { pendingSeconds: 10 } },
  { phoneNumber: DENIED, subscriberSince: '2019-03-01', consent: 'denied' },
  { phoneNumber: OPTED_OUT, subscriberSince: '2019-03-01', consent: 'opted_out' },
];
const CIBA = 'urn:openid:params:grant-type:ciba';
const JWT_BEARER = 'urn:ietf:params:oauth:grant-type:jwt-bearer';
const ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
const ICM_SCOPE = 'openid dpv:FraudPreventionAndDetection sim-swap:check';
const nowS = () => Math.floor(Date.now() / 1000);

const expectOAuthError = (response: SandboxResponse, status: number, error: string, description?: RegExp) => {
  expect({ status: response.status, body: response.body }).toEqual({
    status,
    body: { error, error_description: description ? expect.stringMatching(description) : expect.any(String) },
  });
  expect(response.headers.get('cache-control')).toBe('no-store');
};

describe('sandbox token flows (e2e)', () => {
  let rsaKeys: ClientKeys;
  let ecKeys: ClientKeys;
  let strangerKeys: ClientKeys;
  beforeAll(async () => {
    [rsaKeys, ecKeys, strangerKeys] = await Promise.all([generateClientKeys('RS256'), generateClientKeys('ES256'), generateClientKeys('RS256')]);
  });

  describe('CIBA poll mode (telefonica)', () => {
    let sandbox: Sandbox;
    const ticks = new ManualTicks();
    const SCOPE = 'dpv:FraudPreventionAndDetection sim-swap';
    const authorize = (phoneNumber: string, extra: Record<string, string> = {}) =>
      sandbox.form('/bc-authorize', { scope: SCOPE, login_hint: `tel:${phoneNumber}`, ...extra }, { basic: [CLIENT_ID, CLIENT_SECRET] });
    const poll = (authReqId: string, basic: [string, string] = [CLIENT_ID, CLIENT_SECRET]) =>
      sandbox.form('/token', { grant_type: CIBA, auth_req_id: authReqId }, { basic });

    beforeAll(async () => {
      sandbox = await startSandbox({ lines: LINES, now: NOW, profile: 'telefonica', ticks: ticks.now });
    });
    afterAll(() => sandbox.close());

    it('answers bc-authorize with auth_req_id, expires_in and interval, not cached', async () => {
      const response = await authorize(HOLDER);
      expect(response.status).toBe(200);
      expect(response.body).toEqual({ auth_req_id: expect.any(String), expires_in: 120, interval: 2 });
      expect(response.headers.get('cache-control')).toBe('no-store');
    });

    it('is pending until the subscriber consents, slows a client that polls too soon, then issues one token', async () => {
      const { body } = await authorize(PENDING);
      ticks.advance(2000);
      expectOAuthError(await poll(body.auth_req_id), 400, 'authorization_pending');
      ticks.advance(1000);
      expectOAuthError(await poll(body.auth_req_id), 400, 'slow_down', /7 s/);
      ticks.advance(7000); // 10 s after bc-authorize: consent given
      const granted = await poll(body.auth_req_id);
      expect(granted.status).toBe(200);
      expect(granted.body).toEqual({ access_token: expect.any(String), token_type: 'Bearer', expires_in: 3600, scope: SCOPE });
      ticks.advance(7000);
      expectOAuthError(await poll(body.auth_req_id), 400, 'invalid_grant', /already used/);
      const check = await sandbox.post('/sim-swap/v1/check', { token: granted.body.access_token, body: { maxAge: 24 } });
      expect(check.body).toEqual({ swapped: false });
    });

    it('answers expired_token after expires_in', async () => {
      const { body } = await authorize(PENDING);
      ticks.advance(120_000);
      expectOAuthError(await poll(body.auth_req_id), 400, 'expired_token');
    });

    it('answers access_denied when the subscriber denies', async () => {
      const response = await cibaFlow(sandbox, { authorizePath: '/bc-authorize', tokenPath: '/token', phoneNumber: DENIED, scope: SCOPE, auth: basicAuth, ticks });
      expectOAuthError(response, 400, 'access_denied');
    });

    it('refuses an opted-out line at bc-authorize (403 access_denied)', async () => {
      expectOAuthError(await authorize(OPTED_OUT), 403, 'access_denied', /opted out/);
    });

    it('answers unknown_user_id for a number it does not serve', async () => {
      expectOAuthError(await authorize(UNKNOWN), 400, 'unknown_user_id');
    });

    it.each([
      ['no login_hint', { login_hint: '' }],
      ['a login_hint without tel:', { login_hint: HOLDER }],
      ['a login_hint with a bad number', { login_hint: 'tel:+0611400001' }],
    ])('400 invalid_request for %s', async (_label, extra) => {
      expectOAuthError(await authorize(HOLDER, extra), 400, 'invalid_request');
    });

    it('refuses two purposes in one request, and an unknown scope', async () => {
      const twoPurposes = await authorize(HOLDER, { scope: 'dpv:FraudPreventionAndDetection dpv:EnforceSecurity sim-swap number-recycling:check' });
      expectOAuthError(twoPurposes, 400, 'invalid_scope', /one purpose/);
      expectOAuthError(await authorize(HOLDER, { scope: 'sim-swap:check' }), 400, 'invalid_scope', /unknown scope/);
    });

    it('answers invalid_grant for an unknown auth_req_id, and invalid_client to a poll with a wrong secret', async () => {
      const { body } = await authorize(HOLDER);
      ticks.advance(2000);
      expectOAuthError(await poll('made-up'), 400, 'invalid_grant');
      expectOAuthError(await poll(body.auth_req_id, [CLIENT_ID, 'wrong']), 401, 'invalid_client');
    });

    it('accepts client_secret_basic only, and says so', async () => {
      const response = await sandbox.form('/bc-authorize', { scope: SCOPE, login_hint: `tel:${HOLDER}`, client_id: CLIENT_ID, client_secret: CLIENT_SECRET });
      expectOAuthError(response, 401, 'invalid_client', /expects client_secret_basic/);
      expectOAuthError(await sandbox.form('/bc-authorize', { scope: SCOPE, login_hint: `tel:${HOLDER}` }), 401, 'invalid_client', /required/);
    });
  });

  describe('icm: JWT-Bearer grant and private_key_jwt', () => {
    let sandbox: Sandbox;
    const grant = (claims: Record<string, unknown>, keys: ClientKeys = rsaKeys, scope = ICM_SCOPE) =>
      signJwt(keys, claims).then((assertion) => sandbox.form('/token', { grant_type: JWT_BEARER, scope, assertion }));
    const claims = (sub = `tel:${HOLDER}`) => assertionClaims({ iss: CLIENT_ID, sub, aud: `${sandbox.url}/token` });

    beforeAll(async () => {
      sandbox = await startSandbox({ lines: LINES, now: NOW, profile: 'icm', env: { SANDBOX_CLIENT_PUBLIC_KEYS: rsaKeys.publicKeyFile } });
    });
    afterAll(() => sandbox.close());

    it('issues a 3-legged token for a consenting line, ignoring its consent delay', async () => {
      const response = await grant(claims(`tel:${PENDING}`));
      expect(response.status).toBe(200);
      expect(response.body.scope).toBe(ICM_SCOPE);
    });

    it.each([
      ['an expired assertion', () => ({ ...claims(), iat: nowS() - 400, exp: nowS() - 100 }), /expired/],
      ['a wrong aud', () => ({ ...claims(), aud: 'https://gateway.example.com/token' }), /wrong aud/],
      ['a lifetime over 300 s', () => ({ ...claims(), exp: nowS() + 301, iat: nowS() }), /lifetime too long/],
      ['another issuer', () => ({ ...claims(), iss: 'someone' }), /wrong iss/],
      ['no jti', () => ({ ...claims(), jti: undefined }), /jti claim is required/],
      ['a sub that is not tel:', () => claims(HOLDER), /sub must be tel:/],
    ])('400 invalid_grant for %s', async (_label, make, description) => {
      expectOAuthError(await grant(make()), 400, 'invalid_grant', description);
    });

    it('400 unknown_user_id for a subscriber the operator does not serve (apart from a bad assertion)', async () => {
      expectOAuthError(await grant(claims(`tel:${UNKNOWN}`)), 400, 'unknown_user_id', /not a subscriber/);
    });

    it('400 invalid_grant for a replayed jti', async () => {
      const assertion = await signJwt(rsaKeys, claims());
      const send = () => sandbox.form('/token', { grant_type: JWT_BEARER, scope: ICM_SCOPE, assertion });
      expect((await send()).status).toBe(200);
      expectOAuthError(await send(), 400, 'invalid_grant', /jti replayed/);
    });

    it('400 invalid_grant for a key it does not know (bad signature)', async () => {
      expectOAuthError(await grant(claims(), strangerKeys), 400, 'invalid_grant', /bad signature/);
      expectOAuthError(await grant(claims(), ecKeys), 400, 'invalid_grant', /unknown key/);
    });

    it('400 access_denied for a line that denied or opted out', async () => {
      expectOAuthError(await grant(claims(`tel:${DENIED}`)), 400, 'access_denied');
      expectOAuthError(await grant(claims(`tel:${OPTED_OUT}`)), 400, 'access_denied');
    });

    it('400 invalid_scope without openid or with two purposes', async () => {
      expectOAuthError(await grant(claims(), rsaKeys, 'dpv:FraudPreventionAndDetection sim-swap:check'), 400, 'invalid_scope', /openid/);
      expectOAuthError(await grant(claims(), rsaKeys, `${ICM_SCOPE} dpv:EnforceSecurity`), 400, 'invalid_scope', /one purpose/);
    });

    it('verifies an ES256 assertion against a JWKS file holding several keys', async () => {
      const jwks = join(ecKeys.dir, 'clients.jwks.json');
      const jwkOf = (pem: string) => createPublicKey(pem).export({ format: 'jwk' });
      writeFileSync(jwks, JSON.stringify({ keys: [jwkOf(rsaKeys.publicKeyPem), { ...jwkOf(ecKeys.publicKeyPem), kid: 'ec-1' }] }));
      const other = await startSandbox({ lines: LINES, now: NOW, profile: 'icm', env: { SANDBOX_CLIENT_PUBLIC_KEYS: jwks } });
      try {
        const assertion = await signJwt(ecKeys, assertionClaims({ iss: CLIENT_ID, sub: `tel:${HOLDER}`, aud: `${other.url}/token` }), { kid: 'ec-1' });
        expect((await other.form('/token', { grant_type: JWT_BEARER, scope: ICM_SCOPE, assertion })).status).toBe(200);
      } finally {
        await other.close();
      }
    });

    describe('private_key_jwt refusals at the token endpoint', () => {
      const clientClaims = (aud = `${sandbox.url}/token`) => assertionClaims({ iss: CLIENT_ID, sub: CLIENT_ID, aud });
      const withAssertion = async (assertion: string, extra: Record<string, string> = {}) =>
        sandbox.form('/bc-authorize', { scope: ICM_SCOPE, login_hint: `tel:${HOLDER}`, client_assertion_type: ASSERTION_TYPE, client_assertion: assertion, ...extra });

      it('accepts the endpoint URL or the server origin as aud', async () => {
        expect((await withAssertion(await signJwt(rsaKeys, clientClaims(`${sandbox.url}/bc-authorize`)))).status).toBe(200);
        expect((await withAssertion(await signJwt(rsaKeys, clientClaims(sandbox.url)))).status).toBe(200);
      });

      it.each([
        ['an expired assertion', () => ({ ...clientClaims(), aud: `${sandbox.url}/bc-authorize`, iat: nowS() - 400, exp: nowS() - 100 }), /expired/],
        ['a wrong aud (the token endpoint, at bc-authorize)', () => clientClaims(), /wrong aud/],
        ['a lifetime over 300 s', () => ({ ...clientClaims(sandbox.url), exp: nowS() + 600 }), /lifetime too long/],
        ['a sub that is not the client', () => ({ ...clientClaims(sandbox.url), sub: 'someone' }), /wrong sub/],
      ])('401 invalid_client for %s', async (_label, make, description) => {
        expectOAuthError(await withAssertion(await signJwt(rsaKeys, make())), 401, 'invalid_client', description);
      });

      it('401 invalid_client for a replayed jti, a bad signature, a wrong assertion type, a wrong method', async () => {
        const once = await signJwt(rsaKeys, clientClaims(sandbox.url));
        expect((await withAssertion(once)).status).toBe(200);
        expectOAuthError(await withAssertion(once), 401, 'invalid_client', /jti replayed/);
        expectOAuthError(await withAssertion(await signJwt(strangerKeys, clientClaims(sandbox.url))), 401, 'invalid_client', /bad signature/);
        expectOAuthError(await withAssertion(await signJwt(rsaKeys, clientClaims(sandbox.url)), { client_assertion_type: 'jwt' }), 401, 'invalid_client', /client_assertion_type/);
        const basic = await sandbox.form('/token', { grant_type: CIBA, auth_req_id: 'x' }, { basic: [CLIENT_ID, CLIENT_SECRET] });
        expectOAuthError(basic, 401, 'invalid_client', /expects private_key_jwt/);
      });

      it('refuses the client_credentials grant', async () => {
        const response = await sandbox.form('/token', { grant_type: 'client_credentials', scope: ICM_SCOPE, client_assertion_type: ASSERTION_TYPE, client_assertion: await signJwt(rsaKeys, clientClaims()) });
        expectOAuthError(response, 400, 'unsupported_grant_type', /urn:openid:params:grant-type:ciba or urn:ietf:params:oauth:grant-type:jwt-bearer/);
      });
    });
  });

  describe('vonage: application JWT', () => {
    let sandbox: Sandbox;
    const ticks = new ManualTicks();
    const SCOPE = 'openid dpv:FraudPreventionAndDetection#check-sim-swap';
    const authorize = async (auth: Awaited<ReturnType<ReturnType<typeof applicationJwtAuth>>>) =>
      sandbox.form('/oauth2/bc-authorize', { scope: SCOPE, login_hint: `tel:${HOLDER}` }, auth);

    beforeAll(async () => {
      sandbox = await startSandbox({ lines: LINES, now: NOW, profile: 'vonage', ticks: ticks.now, env: { SANDBOX_CLIENT_PUBLIC_KEYS: rsaKeys.publicKeyFile } });
    });
    afterAll(() => sandbox.close());

    it('accepts the application JWT of the configured application', async () => {
      expect((await authorize(await applicationJwtAuth(rsaKeys)('/oauth2/bc-authorize'))).status).toBe(200);
    });

    it.each([
      ['another application_id', () => applicationJwtAuth(rsaKeys, 'another-app')('/'), /application_id/],
      ['another key', () => applicationJwtAuth(strangerKeys)('/'), /bad signature/],
      ['an expired JWT', async () => ({ headers: { authorization: `Bearer ${await signJwt(rsaKeys, { application_id: CLIENT_ID, iat: nowS() - 1000, exp: nowS() - 100, jti: randomUUID() })}` } }), /expired/],
      ['HTTP Basic', async () => ({ basic: [CLIENT_ID, CLIENT_SECRET] as [string, string] }), /expects application_jwt/],
    ])('401 invalid_client for %s', async (_label, make, description) => {
      const response = await authorize(await make());
      expectOAuthError(response, 401, 'invalid_client', description);
      expect(response.headers.get('www-authenticate')).toMatch(/^Bearer /);
    });

    it('requires openid in the scope', async () => {
      const response = await sandbox.form('/oauth2/bc-authorize', { scope: 'dpv:FraudPreventionAndDetection#check-sim-swap', login_hint: `tel:${HOLDER}` }, await applicationJwtAuth(rsaKeys)('/'));
      expectOAuthError(response, 400, 'invalid_scope', /openid/);
    });
  });

  describe('start-up', () => {
    it('refuses a profile whose client keys file is wrong, naming the file', async () => {
      const env = { SANDBOX_CLIENT_PUBLIC_KEYS: rsaKeys.privateKeyFile };
      await expect(startSandbox({ lines: LINES, now: NOW, profile: 'icm', env })).rejects.toThrow(`${rsaKeys.privateKeyFile}: holds a private key`);
    });
  });
});
