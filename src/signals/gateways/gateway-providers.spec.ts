import { Logger } from '@nestjs/common';
import Fastify, { FastifyInstance } from 'fastify';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FRAUD_PREVENTION_PURPOSE } from '../http/client-credentials.token-source';
import { GatewayConfig, GatewaysFile, GatewaysFileInvalidError } from './gateway-config';
import { buildGateways, GatewayBuildOptions, loadGateways, scopePlan } from './gateway-providers';

const FRAUD = FRAUD_PREVENTION_PURPOSE;
const SECURITY = 'dpv:EnforceSecurity';
const CTX = { correlator: 'decision-42' };

const gateway = (apis: GatewayConfig['apis'], extra: Partial<GatewayConfig> = {}): GatewayConfig => ({
  apiRoot: 'https://gateway.example',
  auth: { flow: 'api_key', headers: { 'x-api-key': 'k' } },
  apis,
  ...extra,
});

describe('scopePlan', () => {
  it.each<[string, GatewayConfig, string, string[]]>([
    ['CAMARA scopes: the purpose is added', gateway({ simSwap: { version: 'v2' } }), 'sim-swap:check', [FRAUD, 'sim-swap:check']],
    [
      'Telefónica v1: the purpose beside its own `sim-swap` scope',
      gateway({ simSwap: { version: 'v1', scopes: { 'sim-swap:check': ['sim-swap'], 'sim-swap:retrieve-date': ['sim-swap'] } } }),
      'sim-swap:check',
      [FRAUD, 'sim-swap'],
    ],
    [
      'Orange: `dpv:X#sim-swap` carries the purpose, none is added',
      gateway({ simSwap: { version: 'v0', scopes: { 'sim-swap:check': [`${FRAUD}#sim-swap`] } } }),
      'sim-swap:check',
      [`${FRAUD}#sim-swap`],
    ],
    [
      'Vonage: openid added, the combined scope kept alone',
      gateway({ simSwap: { version: 'v040', scopes: { 'sim-swap:check': [`${FRAUD}#check-sim-swap`] } } }, { openid: true }),
      'sim-swap:check',
      [`${FRAUD}#check-sim-swap`, 'openid'],
    ],
    ['openid added to CAMARA scopes', gateway({ tenure: { version: 'v0.2' } }, { openid: true }), 'kyc-tenure:check-tenure', [FRAUD, 'kyc-tenure:check-tenure', 'openid']],
    [
      "the gateway's purpose replaces the default",
      gateway({ tenure: { version: 'v0.2' } }, { purpose: 'dpv:RequestedServiceProvision' }),
      'kyc-tenure:check-tenure',
      ['dpv:RequestedServiceProvision', 'kyc-tenure:check-tenure'],
    ],
    [
      "the API's purpose replaces the gateway's",
      gateway({ numberRecycling: { version: 'v0.1', purpose: SECURITY } }, { purpose: 'dpv:RequestedServiceProvision' }),
      'number-recycling:check',
      [SECURITY, 'number-recycling:check'],
    ],
    [
      'an operation without its own strings keeps its CAMARA scope',
      gateway({ simSwap: { version: 'v1', scopes: { 'sim-swap:check': ['sim-swap'] } } }),
      'sim-swap:retrieve-date',
      [FRAUD, 'sim-swap:retrieve-date'],
    ],
  ])('2-legged, %s', (_style, config, operation, expected) => {
    expect(scopePlan(config, false).get(operation)).toEqual([...expected].sort());
  });

  it('plans every operation of the APIs the gateway offers, and no other', () => {
    const plan = scopePlan(gateway({ simSwap: { version: 'v2' }, tenure: { version: 'v0.2' } }), false);

    expect([...plan.keys()].sort()).toEqual(['kyc-tenure:check-tenure', 'sim-swap:check', 'sim-swap:retrieve-date']);
  });

  describe('bundling', () => {
    // Telefónica as its catalogue describes it: SIM Swap as `sim-swap`, Number Recycling for another purpose.
    const telefonica = (extra: Partial<GatewayConfig> = {}) =>
      gateway(
        {
          simSwap: { version: 'v1', scopes: { 'sim-swap:check': ['sim-swap'], 'sim-swap:retrieve-date': ['sim-swap'] } },
          deviceSwap: { version: 'v0.1' },
          tenure: { version: 'v0.1' },
          numberRecycling: { version: 'v0.1', purpose: SECURITY },
        },
        extra,
      );
    const FRAUD_BUNDLE = [FRAUD, 'device-swap:check', 'device-swap:retrieve-date', 'kyc-tenure:check-tenure', 'sim-swap'].sort();

    it('3-legged: asks every operation sharing a purpose together, one consent for all of them', () => {
      const plan = scopePlan(telefonica(), true);

      for (const operation of ['sim-swap:check', 'sim-swap:retrieve-date', 'device-swap:check', 'device-swap:retrieve-date', 'kyc-tenure:check-tenure']) {
        expect(plan.get(operation)).toEqual(FRAUD_BUNDLE);
      }
      expect(plan.get('number-recycling:check')).toEqual([SECURITY, 'number-recycling:check']);
    });

    it('3-legged with openid: openid once in each bundle', () => {
      const plan = scopePlan(telefonica({ openid: true }), true);

      expect(plan.get('sim-swap:check')).toEqual([...FRAUD_BUNDLE, 'openid'].sort());
      expect(plan.get('number-recycling:check')).toEqual([SECURITY, 'number-recycling:check', 'openid']);
    });

    it('2-legged: each operation asks its own scopes only', () => {
      const plan = scopePlan(telefonica(), false);

      expect(plan.get('sim-swap:check')).toEqual([FRAUD, 'sim-swap'].sort());
      expect(plan.get('device-swap:check')).toEqual([FRAUD, 'device-swap:check'].sort());
      expect(plan.get('kyc-tenure:check-tenure')).toEqual([FRAUD, 'kyc-tenure:check-tenure'].sort());
      expect(plan.get('number-recycling:check')).toEqual([SECURITY, 'number-recycling:check'].sort());
    });
  });
});

interface Recorded {
  path: string;
  headers: Record<string, string | string[] | undefined>;
  body: Record<string, unknown>;
}

describe('buildGateways', () => {
  let app: FastifyInstance;
  let origin: string;
  let requests: Recorded[];
  let dir: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'linetrust-build-'));
    app = Fastify({ logger: false, forceCloseConnections: true });
    app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) => {
      done(null, Object.fromEntries(new URLSearchParams(body as string)));
    });
    app.post('/*', (req, reply) => {
      requests.push({ path: req.url, headers: { ...req.headers }, body: req.body as Record<string, unknown> });
      if (req.url.endsWith('/bc-authorize')) return reply.send({ auth_req_id: 'req-1', expires_in: 60, interval: 0 });
      if (req.url.endsWith('/token')) return reply.send({ access_token: 'subscriber-token', token_type: 'Bearer', expires_in: 3600 });
      if (req.url.endsWith('/check-tenure')) return reply.send({ tenureDateCheck: true, contractType: 'PAYM' });
      if (req.url.endsWith('/check')) return reply.send({ swapped: false });
      return reply.code(404).send({ status: 404, code: 'NOT_FOUND', message: 'no such path' });
    });
    origin = await app.listen({ port: 0, host: '127.0.0.1' });
  });
  afterAll(async () => {
    await app.close();
    rmSync(dir, { recursive: true, force: true });
  });
  beforeEach(() => {
    requests = [];
    for (const level of ['debug', 'log', 'warn', 'error'] as const) jest.spyOn(Logger.prototype, level).mockImplementation(() => undefined);
  });
  afterEach(() => jest.restoreAllMocks());

  const ENV = { NAC_KEY: 'nac-key-from-env', ES_KEY: 'es-key-from-env' };
  const options = (overrides: Partial<GatewayBuildOptions> = {}): GatewayBuildOptions => ({
    env: ENV,
    subjectKey: (phoneNumber) => `hash-of-${phoneNumber.length}`,
    tokenTimeoutMs: 5_000,
    ...overrides,
  });

  /** Nokia Network as Code (API key, its own paths) as default; a Spanish API-key gateway for +34. */
  const apiKeyGateways = (): GatewaysFile => ({
    gateways: {
      nokia: {
        apiRoot: origin,
        auth: { flow: 'api_key', headers: { 'X-RapidAPI-Key': { env: 'NAC_KEY' }, 'X-RapidAPI-Host': 'network-as-code.example' } },
        apis: {
          tenure: { version: 'v0.1', path: '/passthrough/camara/v1/kyc-tenure/kyc-tenure/v0.1' },
          simSwap: { version: 'v0' },
        },
      },
      spain: {
        apiRoot: `${origin}/es`,
        auth: { flow: 'api_key', headers: { 'x-api-key': { env: 'ES_KEY' } } },
        apis: { simSwap: { version: 'v1' } },
      },
    },
    routes: [{ prefix: '+34', gateway: 'spain' }],
    defaultGateway: 'nokia',
  });

  it('sends API-key headers resolved from the environment, and no bearer token', async () => {
    const { providers } = await buildGateways(apiKeyGateways(), 'gateways.json', options());

    const answer = await providers.tenure.checkTenure({ phoneNumber: '+447700900123', tenureDate: '2026-01-01' }, CTX);

    expect(answer).toEqual({ status: 'OK', value: { tenureDateCheck: true, contractType: 'PAYM' } });
    expect(requests).toHaveLength(1);
    expect(requests[0].path).toBe('/passthrough/camara/v1/kyc-tenure/kyc-tenure/v0.1/check-tenure');
    expect(requests[0].headers).toMatchObject({ 'x-rapidapi-key': 'nac-key-from-env', 'x-rapidapi-host': 'network-as-code.example' });
    expect(requests[0].headers.authorization).toBeUndefined();
    expect(requests[0].body).toEqual({ phoneNumber: '+447700900123', tenureDate: '2026-01-01' });
  });

  it.each([
    ['+34600000001', '/es/sim-swap/v1/check', 'x-api-key', 'es-key-from-env'],
    ['+447700900123', '/sim-swap/v0/check', 'x-rapidapi-key', 'nac-key-from-env'],
  ])("sends %s to its gateway's path (%s) with that gateway's key", async (phoneNumber, path, header, key) => {
    const { providers } = await buildGateways(apiKeyGateways(), 'gateways.json', options());

    expect(await providers.simSwap.check({ phoneNumber, maxAge: 24 }, CTX)).toEqual({ status: 'OK', value: { swapped: false } });
    expect(requests.map((r) => r.path)).toEqual([path]);
    expect(requests[0].headers[header]).toBe(key);
  });

  it('answers NO_COVERAGE for a number no gateway serves, without any HTTP call', async () => {
    const config = apiKeyGateways();
    delete config.defaultGateway;
    const fetchSpy = jest.fn(fetch);
    const { providers, routing } = await buildGateways(config, 'gateways.json', options({ fetch: fetchSpy }));
    const uk = '+447700900123';

    const answers = await Promise.all([
      providers.tenure.checkTenure({ phoneNumber: uk, tenureDate: '2026-01-01' }, CTX),
      providers.numberRecycling.check({ phoneNumber: uk, specifiedDate: '2026-01-01' }, CTX),
      providers.simSwap.check({ phoneNumber: uk, maxAge: 24 }, CTX),
      providers.simSwap.retrieveDate({ phoneNumber: uk }, CTX),
      providers.deviceSwap.check({ phoneNumber: uk, maxAge: 24 }, CTX),
      providers.deviceSwap.retrieveDate({ phoneNumber: uk }, CTX),
      // +34 is routed, but its gateway offers no KYC Tenure.
      providers.tenure.checkTenure({ phoneNumber: '+34600000001', tenureDate: '2026-01-01' }, CTX),
    ]);

    for (const answer of answers) expect(answer).toMatchObject({ status: 'NO_COVERAGE' });
    expect(fetchSpy).not.toHaveBeenCalled();
    expect(requests).toHaveLength(0);
    expect(routing.route('simSwap', uk)).toBeNull();
  });

  it('summarises each gateway and the routes, without a secret', async () => {
    const { summary } = await buildGateways(apiKeyGateways(), 'gateways.json', options());

    expect(summary).toEqual([
      `nokia: api_key at ${origin} for tenure, simSwap`,
      `spain: api_key at ${origin}/es for simSwap`,
      'routes: +34 -> spain; default: nokia',
    ]);
    expect(summary.join('\n')).not.toMatch(/key-from-env/);
  });

  it('with a CIBA gateway, runs the flow with the bundled scopes and leaves phoneNumber out of the body', async () => {
    const config: GatewaysFile = {
      gateways: {
        telefonica: {
          apiRoot: origin,
          openid: true,
          auth: {
            flow: 'ciba',
            authorizeUrl: `${origin}/oauth2/bc-authorize`,
            tokenUrl: `${origin}/oauth2/token`,
            client: { method: 'client_secret_basic', clientId: 'linetrust', clientSecret: { env: 'TEF_SECRET' } },
            consentWaitMs: 5_000,
          },
          apis: { simSwap: { version: 'v1', scopes: { 'sim-swap:check': ['sim-swap'] } }, tenure: { version: 'v0.1' } },
        },
      },
      defaultGateway: 'telefonica',
    };
    const { providers } = await buildGateways(config, 'gateways.json', options({ env: { TEF_SECRET: 'tef' } }));

    expect(await providers.simSwap.check({ phoneNumber: '+34600000001', maxAge: 24 }, CTX)).toEqual({ status: 'OK', value: { swapped: false } });

    expect(requests.map((r) => r.path)).toEqual(['/oauth2/bc-authorize', '/oauth2/token', '/sim-swap/v1/check']);
    expect(requests[0].body.login_hint).toBe('tel:+34600000001');
    expect(String(requests[0].body.scope).split(' ').sort()).toEqual(
      [FRAUD, 'kyc-tenure:check-tenure', 'openid', 'sim-swap', 'sim-swap:retrieve-date'].sort(),
    );
    expect(requests[2].headers.authorization).toBe('Bearer subscriber-token');
    expect(requests[2].body).toEqual({ maxAge: 24 });
  });

  describe('refuses credentials it cannot build, naming the JSON path', () => {
    // Nothing is sent: the URLs only need to parse (the tables are built before the server starts).
    const GW = 'https://gateway.example';
    const pkcs1Rsa = generateKeyPairSync('rsa', {
      modulusLength: 2048,
      privateKeyEncoding: { type: 'pkcs1', format: 'pem' },
      publicKeyEncoding: { type: 'spki', format: 'pem' },
    }).privateKey;
    const pkcs8Ec = generateKeyPairSync('ec', {
      namedCurve: 'P-256',
      privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
      publicKeyEncoding: { type: 'spki', format: 'pem' },
    }).privateKey;
    const pkcs8Rsa = generateKeyPairSync('rsa', {
      modulusLength: 2048,
      privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
      publicKeyEncoding: { type: 'spki', format: 'pem' },
    }).privateKey;
    const pkcs8P384 = generateKeyPairSync('ec', {
      namedCurve: 'P-384',
      privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
      publicKeyEncoding: { type: 'spki', format: 'pem' },
    }).privateKey;
    const sec1Ec = generateKeyPairSync('ec', {
      namedCurve: 'P-256',
      privateKeyEncoding: { type: 'sec1', format: 'pem' },
      publicKeyEncoding: { type: 'spki', format: 'pem' },
    }).privateKey;

    const withAuth = (auth: GatewayConfig['auth']): GatewaysFile => ({
      gateways: { orange: { apiRoot: GW, auth, apis: { simSwap: { version: 'v1' } } } },
      defaultGateway: 'orange',
    });
    const privateKeyJwtClient = (alg: 'RS256' | 'ES256') => ({ method: 'private_key_jwt' as const, clientId: 'linetrust', privateKey: { env: 'ORANGE_KEY' }, alg });

    const refusal = async (config: GatewaysFile, env: Record<string, string>): Promise<GatewaysFileInvalidError> => {
      const error = await buildGateways(config, '/etc/linetrust/gateways.json', options({ env })).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(GatewaysFileInvalidError);
      expect((error as GatewaysFileInvalidError).file).toBe('/etc/linetrust/gateways.json');
      return error as GatewaysFileInvalidError;
    };

    it.each<[string, GatewayConfig['auth'], string]>([
      ['an API-key header', { flow: 'api_key', headers: { 'X-RapidAPI-Key': { env: 'ORANGE_KEY' } } }, '$.gateways.orange.auth.headers.X-RapidAPI-Key'],
      [
        'a client secret',
        { flow: 'client_credentials', tokenUrl: `${GW}/oauth2/token`, client: { method: 'client_secret_post', clientId: 'linetrust', clientSecret: { env: 'ORANGE_KEY' } } },
        '$.gateways.orange.auth.client.clientSecret',
      ],
      [
        'a private_key_jwt key',
        { flow: 'ciba', authorizeUrl: `${GW}/oauth2/bc-authorize`, tokenUrl: `${GW}/oauth2/token`, client: privateKeyJwtClient('ES256') },
        '$.gateways.orange.auth.client.privateKey',
      ],
    ])('a missing secret: %s', async (_what, auth, path) => {
      const error = await refusal(withAuth(auth), {});

      expect(error.problems).toEqual([{ path, message: expect.stringMatching(/ORANGE_KEY.*ORANGE_KEY_FILE/) }]);
    });

    it.each<{ what: string; pem: string; alg: 'RS256' | 'ES256' }>([
      { what: 'a PKCS#1 RSA key for RS256', pem: pkcs1Rsa, alg: 'RS256' },
      { what: 'a SEC1 EC key for ES256', pem: sec1Ec, alg: 'ES256' },
      { what: 'not a key at all, for ES256', pem: 'hunter2', alg: 'ES256' },
      // PKCS#8, but not a key the algorithm can sign with: to be found at start-up, not at the first decision.
      { what: 'a PKCS#8 EC key for RS256', pem: pkcs8Ec, alg: 'RS256' },
      { what: 'a PKCS#8 RSA key for ES256', pem: pkcs8Rsa, alg: 'ES256' },
      { what: 'a PKCS#8 P-384 key for ES256', pem: pkcs8P384, alg: 'ES256' },
    ])('$what (private_key_jwt)', async ({ pem, alg }) => {
      const auth: GatewayConfig['auth'] = { flow: 'client_credentials', tokenUrl: `${GW}/oauth2/token`, client: privateKeyJwtClient(alg) };
      const error = await refusal(withAuth(auth), { ORANGE_KEY: pem });

      expect(error.problems).toEqual([
        { path: '$.gateways.orange.auth.client.privateKey', message: expect.stringContaining(`ORANGE_KEY is not a PKCS#8 PEM private key for ${alg}`) },
      ]);
      expect(error.message).not.toContain(pem.split('\n')[1] ?? pem);
    });

    it('a non-PKCS#8 JWT-Bearer assertion key', async () => {
      const auth: GatewayConfig['auth'] = {
        flow: 'jwt_bearer',
        tokenUrl: `${GW}/oauth2/token`,
        issuer: 'linetrust',
        assertionKey: { privateKey: { env: 'ORANGE_KEY' }, alg: 'RS256' },
      };
      const error = await refusal(withAuth(auth), { ORANGE_KEY: pkcs1Rsa });

      expect(error.problems.map((p) => p.path)).toEqual(['$.gateways.orange.auth.assertionKey.privateKey']);
    });

    it('accepts a PKCS#8 key for its algorithm', async () => {
      const auth: GatewayConfig['auth'] = { flow: 'client_credentials', tokenUrl: `${GW}/oauth2/token`, client: privateKeyJwtClient('ES256') };

      await expect(buildGateways(withAuth(auth), 'gateways.json', options({ env: { ORANGE_KEY: `${pkcs8Ec}\n` } }))).resolves.toMatchObject({
        summary: [`orange: client_credentials at ${GW} for simSwap`, 'routes: none; default: orange'],
      });
    });
  });

  it('loadGateways reads, validates and builds a file', async () => {
    const file = join(dir, 'gateways.json');
    writeFileSync(file, JSON.stringify(apiKeyGateways()));

    const { providers } = await loadGateways(file, options());

    expect(await providers.simSwap.check({ phoneNumber: '+34600000001', maxAge: 24 }, CTX)).toEqual({ status: 'OK', value: { swapped: false } });
    expect(requests[0].headers['x-api-key']).toBe('es-key-from-env');
  });
});
