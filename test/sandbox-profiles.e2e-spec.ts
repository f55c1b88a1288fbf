import {
  applicationJwtAuth,
  basicAuth,
  cibaFlow,
  ClientAuth,
  CLIENT_ID,
  ClientKeys,
  expectCamaraError,
  generateClientKeys,
  ManualTicks,
  privateKeyJwtAuth,
  Sandbox,
  signJwt,
  assertionClaims,
  startSandbox,
} from './support/sandbox-harness';

/**
 * Each gateway profile end to end: a token the provider's way, then its four APIs at its own
 * paths (200), its identifier rule, and faults still injected after authentication.
 */
const NOW = new Date('2026-06-15T12:00:00Z');
const HOLDER = '+34611300001';
const FAULTY = '+34611300005';
const FRAUD = 'dpv:FraudPreventionAndDetection';
const LINES = [
  { phoneNumber: HOLDER, subscriberSince: '2019-03-01', contractType: 'PAYM', latestSimChange: '-120h', latestDeviceChange: '-120h' },
  { phoneNumber: FAULTY, subscriberSince: '2019-03-01', latestDeviceChange: '-1h', faults: { status: 503, apis: ['sim-swap'] } },
];

/** A valid body, without phoneNumber, for each operation's path suffix. */
const BODIES: Record<string, Record<string, unknown>> = {
  'check-tenure': { tenureDate: '2020-01-01' },
  check: { maxAge: 240 },
  'retrieve-date': {},
};
const bodyFor = (path: string) => (path.includes('number-recycling') ? { specifiedDate: '2020-01-01' } : BODIES[path.split('/').pop() as string]);
const expectedFor = (path: string) =>
  path.includes('kyc-tenure')
    ? { tenureDateCheck: true, contractType: 'PAYM' }
    : path.includes('number-recycling')
      ? { phoneNumberRecycled: false }
      : path.endsWith('/check')
        ? { swapped: true }
        : path.includes('sim-swap')
          ? { latestSimChange: '2026-06-10T12:00:00.000Z' }
          : { latestDeviceChange: '2026-06-10T12:00:00.000Z' };

const apiPaths = (tenure: string, recycling: string, sim: string, device: string) => [
  `${tenure}/check-tenure`,
  `${recycling}/check`,
  `${sim}/check`,
  `${sim}/retrieve-date`,
  `${device}/check`,
  `${device}/retrieve-date`,
];

interface CibaProfile {
  name: 'telefonica' | 'orange' | 'vonage' | 'icm';
  authorizePath: string;
  tokenPath: string;
  paths: string[];
  /** Scope of a token per path: two purposes need two tokens where one purpose per token is the rule. */
  scopeFor(path: string): string;
  withPhoneNumber: boolean;
}

const CIBA_PROFILES: CibaProfile[] = [
  {
    name: 'telefonica',
    authorizePath: '/bc-authorize',
    tokenPath: '/token',
    paths: apiPaths('/kyc-tenure/v0.2', '/number-recycling/v0.1', '/sim-swap/v1', '/device-swap/v0.1'),
    scopeFor: (path) => (path.includes('recycling') ? 'dpv:EnforceSecurity number-recycling:check' : `${FRAUD} sim-swap device-swap kyc-tenure:check-tenure`),
    withPhoneNumber: false,
  },
  {
    name: 'orange',
    authorizePath: '/bc-authorize',
    tokenPath: '/token',
    paths: apiPaths('/camara/kyc-tenure/v0.2', '/camara/number-recycling/v0.2', '/camara/sim-swap/v1', '/camara/device-swap/v1'),
    scopeFor: (path) =>
      path.includes('recycling') ? 'dpv:EnforceSecurity#number-recycling' : `${FRAUD}#sim-swap ${FRAUD}#device-swap ${FRAUD}#kyc-tenure`,
    withPhoneNumber: false,
  },
  {
    name: 'vonage',
    authorizePath: '/oauth2/bc-authorize',
    tokenPath: '/oauth2/token',
    paths: apiPaths('/camara/kyc-tenure/v040', '/camara/number-recycling/v040', '/camara/sim-swap/v040', '/camara/device-swap/v040'),
    scopeFor: (path) =>
      path.includes('recycling')
        ? 'openid dpv:EnforceSecurity#check-number-recycling'
        : `openid ${FRAUD}#check-sim-swap ${FRAUD}#retrieve-sim-swap-date ${FRAUD}#check-device-swap ${FRAUD}#retrieve-device-swap-date ${FRAUD}#check-tenure`,
    withPhoneNumber: true,
  },
  {
    name: 'icm',
    authorizePath: '/bc-authorize',
    tokenPath: '/token',
    paths: apiPaths('/kyc-tenure/v0.3rc1', '/number-recycling/v0.3rc1', '/sim-swap/v2', '/device-swap/v1'),
    scopeFor: () =>
      `openid ${FRAUD} kyc-tenure:check-tenure number-recycling:check sim-swap:check sim-swap:retrieve-date device-swap:check device-swap:retrieve-date`,
    withPhoneNumber: false,
  },
];

describe('sandbox gateway profiles (e2e)', () => {
  let rsaKeys: ClientKeys;
  beforeAll(async () => {
    rsaKeys = await generateClientKeys('RS256');
  });

  describe('camara (default): client credentials, 2-legged', () => {
    let sandbox: Sandbox;
    beforeAll(async () => {
      sandbox = await startSandbox({ lines: LINES, now: NOW });
    });
    afterAll(() => sandbox.close());

    it('answers its eight operations, and counts the requests per path', async () => {
      const token = await sandbox.token();
      const paths = [
        ...apiPaths('/kyc-tenure/v0.3rc1', '/number-recycling/v0.3rc1', '/sim-swap/v2', '/device-swap/v1'),
        '/kyc-tenure/v0.2/check-tenure',
        '/number-recycling/v0.2/check',
      ];
      for (const path of paths) {
        const response = await sandbox.post(path, { token, body: { ...bodyFor(path), phoneNumber: HOLDER } });
        expect({ path, status: response.status, body: response.body }).toEqual({ path, status: 200, body: expectedFor(path) });
      }
      expect(sandbox.hits('/oauth2/token', 'POST')).toBe(1);
      expect(sandbox.hits('/sim-swap/v2/check')).toBe(1);
      expect((await sandbox.request('GET', '/bc-authorize')).status).toBe(404);
    });
  });

  describe.each(CIBA_PROFILES)('$name: CIBA', (profile) => {
    let sandbox: Sandbox;
    let auth: ClientAuth;
    const ticks = new ManualTicks();
    const tokens = new Map<string, string>();
    const tokenFor = async (path: string) => {
      const scope = profile.scopeFor(path);
      if (!tokens.has(scope)) {
        const response = await cibaFlow(sandbox, { ...profile, phoneNumber: HOLDER, scope, auth, ticks });
        expect(response.status).toBe(200);
        expect(response.body).toEqual({ access_token: expect.any(String), token_type: 'Bearer', expires_in: 3600, scope });
        tokens.set(scope, response.body.access_token);
      }
      return tokens.get(scope) as string;
    };

    beforeAll(async () => {
      const env = profile.name === 'vonage' || profile.name === 'icm' ? { SANDBOX_CLIENT_PUBLIC_KEYS: rsaKeys.publicKeyFile } : undefined;
      sandbox = await startSandbox({ lines: LINES, now: NOW, profile: profile.name, env, ticks: ticks.now });
      auth = profile.name === 'vonage' ? applicationJwtAuth(rsaKeys) : profile.name === 'icm' ? privateKeyJwtAuth(sandbox, rsaKeys) : basicAuth;
    });
    afterAll(() => sandbox.close());

    it('gets 3-legged tokens by CIBA and answers its four APIs', async () => {
      for (const path of profile.paths) {
        const body = profile.withPhoneNumber ? { ...bodyFor(path), phoneNumber: HOLDER } : bodyFor(path);
        const response = await sandbox.post(path, { token: await tokenFor(path), body });
        expect({ path, status: response.status, body: response.body }).toEqual({ path, status: 200, body: expectedFor(path) });
      }
      expect(sandbox.hits(profile.authorizePath)).toBe(tokens.size);
    });

    it('applies its identifier rule to a 3-legged token', async () => {
      const path = profile.paths[2];
      const token = await tokenFor(path);
      if (profile.withPhoneNumber) {
        expectCamaraError(await sandbox.post(path, { token, body: {} }), 422, 'MISSING_IDENTIFIER');
        expectCamaraError(await sandbox.post(path, { token, body: { phoneNumber: '+34611300009' } }), 403, 'INVALID_TOKEN_CONTEXT');
      } else {
        expectCamaraError(await sandbox.post(path, { token, body: { phoneNumber: HOLDER } }), 422, 'UNNECESSARY_IDENTIFIER');
      }
    });

    it('refuses the client_credentials grant and a token without the operation scopes', async () => {
      const { fields, ...options } = await auth(profile.tokenPath);
      const response = await sandbox.form(profile.tokenPath, { grant_type: 'client_credentials', scope: profile.scopeFor(''), ...fields }, options);
      expect(response.status).toBe(400);
      expect(response.body.error).toBe('unsupported_grant_type');
      const recycling = profile.paths[1];
      const body = profile.withPhoneNumber ? { ...bodyFor(recycling), phoneNumber: HOLDER } : bodyFor(recycling);
      const wrong = await sandbox.post(recycling, { token: await tokenFor(profile.paths[0]), body });
      if (profile.name !== 'icm') expectCamaraError(wrong, 403, 'PERMISSION_DENIED');
    });

    it('injects a line fault after authentication, with a 3-legged token', async () => {
      const scope = profile.scopeFor(profile.paths[2]);
      const flow = await cibaFlow(sandbox, { ...profile, phoneNumber: FAULTY, scope, auth, ticks });
      const body = profile.withPhoneNumber ? { maxAge: 24, phoneNumber: FAULTY } : { maxAge: 24 };
      expectCamaraError(await sandbox.post(profile.paths[2], { token: flow.body.access_token, body }), 503, 'UNAVAILABLE');
      // The fault targets SIM Swap only: Device Swap answers.
      expect((await sandbox.post(profile.paths[4], { token: flow.body.access_token, body })).status).toBe(200);
    });

    it('knows its paths: 405 for another method, 404 for another gateway\'s paths', async () => {
      expect((await sandbox.request('GET', profile.authorizePath)).status).toBe(405);
      expect((await sandbox.request('GET', profile.paths[0])).status).toBe(405);
      const elsewhere = profile.name === 'icm' ? '/camara/sim-swap/v040/check' : '/sim-swap/v2/check';
      expectCamaraError(await sandbox.post(elsewhere, { body: {} }), 404, 'NOT_FOUND');
    });
  });

  describe('icm: JWT-Bearer grant', () => {
    it('issues a 3-legged token without a user step, with or without client authentication', async () => {
      const sandbox = await startSandbox({ lines: LINES, now: NOW, profile: 'icm', env: { SANDBOX_CLIENT_PUBLIC_KEYS: rsaKeys.publicKeyFile } });
      try {
        const grant = async () => ({
          grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer',
          scope: `openid ${FRAUD} sim-swap:check`,
          assertion: await signJwt(rsaKeys, assertionClaims({ iss: CLIENT_ID, sub: `tel:${HOLDER}`, aud: `${sandbox.url}/token` })),
        });
        const alone = await sandbox.form('/token', await grant());
        const { fields } = await privateKeyJwtAuth(sandbox, rsaKeys)('/token');
        const authenticated = await sandbox.form('/token', { ...(await grant()), ...fields });
        for (const response of [alone, authenticated]) {
          expect(response.status).toBe(200);
          const check = await sandbox.post('/sim-swap/v2/check', { token: response.body.access_token, body: { maxAge: 240 } });
          expect(check.body).toEqual({ swapped: true });
        }
      } finally {
        await sandbox.close();
      }
    });
  });

  describe('nokia: RapidAPI key, no token endpoint', () => {
    let sandbox: Sandbox;
    const KEY = 'rapid-key-for-tests';
    const HOST = 'network-as-code.nokia.rapidapi.com';
    const headers = { 'x-rapidapi-key': KEY, 'x-rapidapi-host': HOST };
    const paths = apiPaths(
      '/passthrough/camara/v1/kyc-tenure/kyc-tenure/v0.1',
      '/passthrough/camara/v1/number-recycling/number-recycling/v0.2',
      '/passthrough/camara/v1/sim-swap/sim-swap/v0',
      '/passthrough/camara/v1/device-swap/device-swap/v1',
    );
    beforeAll(async () => {
      sandbox = await startSandbox({ lines: LINES, now: NOW, profile: 'nokia', env: { SANDBOX_API_KEY: KEY } });
    });
    afterAll(() => sandbox.close());

    it('answers its four APIs for the phoneNumber in the body', async () => {
      for (const path of paths) {
        const response = await sandbox.post(path, { headers, body: { ...bodyFor(path), phoneNumber: HOLDER } });
        expect({ path, status: response.status, body: response.body }).toEqual({ path, status: 200, body: expectedFor(path) });
      }
    });

    it.each([
      ['no key', { 'x-rapidapi-host': HOST }],
      ['a wrong key', { 'x-rapidapi-key': 'wrong', 'x-rapidapi-host': HOST }],
      ['a key of another length', { 'x-rapidapi-key': `${KEY}x`, 'x-rapidapi-host': HOST }],
      ['no host', { 'x-rapidapi-key': KEY }],
      ['a wrong host', { 'x-rapidapi-key': KEY, 'x-rapidapi-host': 'example.rapidapi.com' }],
    ])('401 UNAUTHENTICATED with %s', async (_label, given) => {
      expectCamaraError(await sandbox.post(paths[2], { headers: given, body: { phoneNumber: HOLDER } }), 401, 'UNAUTHENTICATED');
    });

    it('is 2-legged (MISSING_IDENTIFIER without phoneNumber), has no token endpoint, and injects faults', async () => {
      expectCamaraError(await sandbox.post(paths[2], { headers, body: {} }), 422, 'MISSING_IDENTIFIER');
      expectCamaraError(await sandbox.post('/oauth2/token', { body: {} }), 404, 'NOT_FOUND');
      expectCamaraError(await sandbox.post(paths[2], { headers, body: { phoneNumber: FAULTY } }), 503, 'UNAVAILABLE');
    });
  });
});
