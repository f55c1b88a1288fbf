import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GatewaysFile, GatewaysFileInvalidError, loadGatewaysFile, resolveSecret } from './gateway-config';
import { SUPPORTED_VERSIONS } from './gateway-providers';

/** A bank with Telefónica and Orange in Spain (CIBA), Vonage by application JWT, and Nokia by API key as default. */
const VALID: GatewaysFile = {
  gateways: {
    telefonica: {
      description: 'Telefónica Open Gateway, Spain',
      apiRoot: 'https://opengateway.telefonica.example',
      auth: {
        flow: 'ciba',
        authorizeUrl: 'https://opengateway.telefonica.example/bc-authorize',
        tokenUrl: 'https://opengateway.telefonica.example/token',
        client: { method: 'client_secret_basic', clientId: 'linetrust', clientSecret: { env: 'TEF_SECRET' } },
        consentWaitMs: 300,
        refusalTtlS: 3600,
      },
      apis: {
        simSwap: { version: 'v1', scopes: { 'sim-swap:check': ['sim-swap'], 'sim-swap:retrieve-date': ['sim-swap'] } },
        numberRecycling: { version: 'v0.1', purpose: 'dpv:EnforceSecurity' },
      },
    },
    orange: {
      apiRoot: 'https://api.orange.example/camara',
      auth: {
        flow: 'jwt_bearer',
        tokenUrl: 'https://api.orange.example/oauth/token',
        issuer: 'linetrust',
        assertionKey: { privateKey: { env: 'ORANGE_KEY' }, alg: 'ES256', keyId: 'k1' },
        client: { method: 'private_key_jwt', clientId: 'linetrust', privateKey: { env: 'ORANGE_KEY' }, alg: 'ES256', lifetimeS: 60 },
      },
      apis: { simSwap: { version: 'v0', scopes: { 'sim-swap:check': ['dpv:FraudPreventionAndDetection#sim-swap'] } } },
    },
    vonage: {
      apiRoot: 'https://api-eu.vonage.example',
      openid: true,
      phoneNumberInBody: true,
      auth: {
        flow: 'ciba',
        authorizeUrl: 'https://api-eu.vonage.example/oauth2/bc-authorize',
        tokenUrl: 'https://api-eu.vonage.example/oauth2/token',
        client: { method: 'application_jwt', applicationId: 'app-1', privateKey: { env: 'VONAGE_KEY' } },
      },
      apis: { simSwap: { version: 'v040', path: '/camara/sim-swap/v040' } },
    },
    nokia: {
      apiRoot: 'https://network-as-code.example',
      auth: { flow: 'api_key', headers: { 'X-RapidAPI-Key': { env: 'NAC_KEY' }, 'X-RapidAPI-Host': 'network-as-code.nokia.rapidapi.com' } },
      apis: {
        tenure: { version: 'v0.1', path: '/passthrough/camara/v1/kyc-tenure/kyc-tenure/v0.1' },
        deviceSwap: { version: 'v1' },
      },
    },
  },
  routes: [
    { prefix: '+34', gateway: 'telefonica' },
    { prefix: '+3466', gateway: 'orange' },
    { prefix: '+44', gateway: 'vonage' },
  ],
  defaultGateway: 'nokia',
};

type Mutation = (config: any) => void;

describe('loadGatewaysFile', () => {
  let dir: string;
  let written = 0;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'linetrust-gateways-'));
  });
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  const write = (content: string): string => {
    written += 1;
    const file = join(dir, `gateways-${written}.json`);
    writeFileSync(file, content);
    return file;
  };
  const withChange = (mutate: Mutation): string => {
    const config = structuredClone(VALID);
    mutate(config);
    return write(JSON.stringify(config, null, 2));
  };
  const refusal = (file: string): GatewaysFileInvalidError => {
    let caught: unknown;
    try {
      loadGatewaysFile(file, SUPPORTED_VERSIONS);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(GatewaysFileInvalidError);
    return caught as GatewaysFileInvalidError;
  };

  it('loads a valid file with several gateways, flows and routes as written', () => {
    const file = write(JSON.stringify(VALID));

    expect(loadGatewaysFile(file, SUPPORTED_VERSIONS)).toEqual(VALID);
  });

  it('accepts a $schema property, so editors can check the file', () => {
    const file = withChange((c) => (c.$schema = './gateways.schema.json'));

    expect(loadGatewaysFile(file, SUPPORTED_VERSIONS).gateways.telefonica.apiRoot).toBe(VALID.gateways.telefonica.apiRoot);
  });

  it.each<[string, Mutation, string, RegExp]>([
    ['an unknown top-level property', (c) => (c.route = []), '$', /unknown property "route"/],
    ['an unknown gateway property', (c) => (c.gateways.telefonica.timeoutMs = 100), '$.gateways.telefonica', /unknown property "timeoutMs"/],
    ['an unknown auth property', (c) => (c.gateways.telefonica.auth.scope = 'openid'), '$.gateways.telefonica.auth', /unknown property "scope"/],
    [
      'a client secret written in clear',
      (c) => (c.gateways.telefonica.auth.client.clientSecret = 'written-in-clear'),
      '$.gateways.telefonica.auth.client.clientSecret',
      /must be object/,
    ],
    [
      'an API-key header secret without its env name',
      (c) => (c.gateways.nokia.auth.headers['X-RapidAPI-Key'] = { value: 'k' }),
      '$.gateways.nokia.auth.headers.X-RapidAPI-Key',
      /must have required property 'env'/,
    ],
    ['a route to an unknown gateway', (c) => c.routes.push({ prefix: '+33', gateway: 'orange-fr' }), '$.routes[3].gateway', /names no gateway \(got "orange-fr"/],
    ['a prefix routed twice', (c) => c.routes.push({ prefix: '+34', gateway: 'vonage' }), '$.routes[3].prefix', /"\+34" is routed twice \(also \$\.routes\[0\]\)/],
    ['a prefix that is not E.164', (c) => (c.routes[0].prefix = '34'), '$.routes[0].prefix', /must match pattern/],
    ['an unknown default gateway', (c) => (c.defaultGateway = 'aduna'), '$.defaultGateway', /names no gateway \(got "aduna"/],
    ['an unsupported version', (c) => (c.gateways.telefonica.apis.simSwap.version = 'v9'), '$.gateways.telefonica.apis.simSwap.version', /\(got "v9"\)/],
    [
      'a scope key that is not an operation of its API',
      (c) => (c.gateways.telefonica.apis.simSwap.scopes = { 'device-swap:check': ['device-swap'] }),
      '$.gateways.telefonica.apis.simSwap.scopes',
      /"device-swap:check" is not an operation of simSwap/,
    ],
    [
      'a scope key that is no CAMARA operation at all',
      (c) => (c.gateways.telefonica.apis.simSwap.scopes = { 'sim-swap:swap': ['sim-swap'] }),
      '$.gateways.telefonica.apis.simSwap.scopes',
      /"sim-swap:swap" is not allowed/,
    ],
    ['a ciba flow without authorizeUrl', (c) => delete c.gateways.telefonica.auth.authorizeUrl, '$.gateways.telefonica.auth', /authorizeUrl/],
    ['an unknown flow', (c) => (c.gateways.telefonica.auth.flow = 'password'), '$.gateways.telefonica.auth.flow', /must be one of/],
    ['an unknown API', (c) => (c.gateways.nokia.apis.numberVerification = { version: 'v1' }), '$.gateways.nokia.apis', /unknown property "numberVerification"/],
    ['a purpose that is not dpv:', (c) => (c.gateways.telefonica.purpose = 'fraud'), '$.gateways.telefonica.purpose', /must match pattern/],
    [
      'an assertion lifetime over 300 s',
      (c) => (c.gateways.orange.auth.client.lifetimeS = 600),
      '$.gateways.orange.auth.client.lifetimeS',
      /must be <= 300/,
    ],
    ['no gateways', (c) => (c.gateways = {}), '$.gateways', /must NOT have fewer than 1 properties/],
  ])('refuses %s, naming the file and the JSON path', (_what, mutate, path, message) => {
    const file = withChange(mutate);
    const error = refusal(file);

    expect(error.file).toBe(file);
    expect(error.message).toContain(file);
    expect(error.problems).toContainEqual({ path, message: expect.stringMatching(message) });
    expect(error.message).toContain(`  ${path}: `);
  });

  it('refuses a file that is not JSON', () => {
    const file = write('{ "gateways": { "telefonica": ');
    const error = refusal(file);

    expect(error.message).toContain(file);
    expect(error.problems).toEqual([{ path: '$', message: expect.stringMatching(/^not valid JSON: /) }]);
  });

  it('refuses a file that cannot be read, with its error code', () => {
    const file = join(dir, 'missing.json');

    expect(refusal(file).problems).toEqual([{ path: '$', message: 'cannot be read: ENOENT' }]);
  });

  it('reports every problem of the file at once', () => {
    const error = refusal(
      withChange((c) => {
        c.defaultGateway = 'aduna';
        c.routes.push({ prefix: '+33', gateway: 'orange-fr' });
        c.gateways.nokia.apis.tenure.version = 'v9';
      }),
    );

    expect(error.problems.map((p) => p.path).sort()).toEqual(['$.defaultGateway', '$.gateways.nokia.apis.tenure.version', '$.routes[3].gateway']);
  });

  it('names the supported versions when refusing one', () => {
    const error = refusal(withChange((c) => (c.gateways.nokia.apis.deviceSwap.version = 'v2')));

    expect(error.problems[0].message).toContain('"v1", "v0.1", "v040"');
  });

  // The file is read at start-up and its errors are logged: a secret pasted in clear must
  // not travel on into the logs with the message that refuses it.
  it.each<[string, Mutation, string, string]>([
    ['a client secret', (c) => (c.gateways.telefonica.auth.client.clientSecret = 'sk_live_written_in_clear'), '$.gateways.telefonica.auth.client.clientSecret', 'sk_live_written_in_clear'],
    [
      'a private key',
      (c) => (c.gateways.orange.auth.client.privateKey = '-----BEGIN PRIVATE KEY-----\nMIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg'),
      '$.gateways.orange.auth.client.privateKey',
      'MIGHAgEAMBMGByqGSM49',
    ],
  ])('does not repeat %s written in clear in its message', (_what, mutate, path, secret) => {
    const error = refusal(withChange(mutate));

    expect(error.problems.map((p) => p.path)).toContain(path);
    expect(error.message).not.toContain(secret);
  });
});

describe('resolveSecret', () => {
  const FILE = '/etc/linetrust/gateways.json';
  const WHERE = '$.gateways.telefonica.auth.client.clientSecret';
  let dir: string;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'linetrust-secrets-'));
  });
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  const secretFile = (content: string): string => {
    const path = join(dir, `secret-${Math.random().toString(36).slice(2)}`);
    writeFileSync(path, content);
    return path;
  };
  const refusal = (env: Record<string, string | undefined>): GatewaysFileInvalidError => {
    let caught: unknown;
    try {
      resolveSecret({ env: 'TEF_SECRET' }, env, FILE, WHERE);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(GatewaysFileInvalidError);
    return caught as GatewaysFileInvalidError;
  };

  it('reads the variable NAME', () => {
    expect(resolveSecret({ env: 'TEF_SECRET' }, { TEF_SECRET: 's3cret:with/odd+chars' }, FILE, WHERE)).toBe('s3cret:with/odd+chars');
  });

  it.each([
    ['a trailing newline', 'from-a-file\n', 'from-a-file'],
    ['a trailing CRLF', 'from-a-file\r\n', 'from-a-file'],
    ['no trailing newline', 'from-a-file', 'from-a-file'],
    ['a PEM key', '-----BEGIN PRIVATE KEY-----\nMIIB\n-----END PRIVATE KEY-----\n', '-----BEGIN PRIVATE KEY-----\nMIIB\n-----END PRIVATE KEY-----'],
  ])('reads the file NAME_FILE names, with %s stripped', (_what, content, expected) => {
    expect(resolveSecret({ env: 'TEF_SECRET' }, { TEF_SECRET_FILE: secretFile(content) }, FILE, WHERE)).toBe(expected);
  });

  it('prefers NAME to NAME_FILE, and falls back to NAME_FILE when NAME is empty', () => {
    const path = secretFile('from-file\n');

    expect(resolveSecret({ env: 'TEF_SECRET' }, { TEF_SECRET: 'direct', TEF_SECRET_FILE: path }, FILE, WHERE)).toBe('direct');
    expect(resolveSecret({ env: 'TEF_SECRET' }, { TEF_SECRET: '', TEF_SECRET_FILE: path }, FILE, WHERE)).toBe('from-file');
  });

  it.each([
    ['neither is set', {}],
    ['both are empty', { TEF_SECRET: '', TEF_SECRET_FILE: '' }],
  ])('refuses when %s, naming both variables, the file and the JSON path', (_what, env) => {
    const error = refusal(env);

    expect(error.file).toBe(FILE);
    expect(error.problems).toEqual([{ path: WHERE, message: expect.stringMatching(/TEF_SECRET\b.*TEF_SECRET_FILE/) }]);
    expect(error.message).toContain(FILE);
    expect(error.message).toContain(WHERE);
  });

  it('refuses a NAME_FILE that cannot be read, naming it and the error code', () => {
    const missing = join(dir, 'no-such-secret');
    const error = refusal({ TEF_SECRET_FILE: missing });

    expect(error.problems).toEqual([{ path: WHERE, message: `TEF_SECRET_FILE names ${missing}, which cannot be read (ENOENT)` }]);
  });
});
