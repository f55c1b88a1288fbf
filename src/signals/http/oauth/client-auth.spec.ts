import { decodeJwt, decodeProtectedHeader, generateKeyPair, jwtVerify, KeyLike } from 'jose';
import {
  applicationJwt,
  clientSecretBasic,
  clientSecretPost,
  DEFAULT_ASSERTION_LIFETIME_S,
  MAX_ASSERTION_LIFETIME_S,
  privateKeyJwt,
  SigningKey,
} from './client-auth';

const CLIENT_ID = 'linetrust-client';
const TOKEN_URL = 'https://gateway.example/oauth2/token';
const AUTHORIZE_URL = 'https://gateway.example/oauth2/bc-authorize';
const NOW_S = Date.parse('2026-03-10T12:00:00Z') / 1000;
const CLIENT_ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

type Alg = SigningKey['alg'];
const keys = {} as Record<Alg, { privateKey: KeyLike; publicKey: KeyLike }>;

beforeAll(async () => {
  keys.RS256 = await generateKeyPair('RS256');
  keys.ES256 = await generateKeyPair('ES256');
});

const signing = (alg: Alg, kid?: string): SigningKey => ({ key: keys[alg].privateKey, alg, kid });

/** Runs `apply` on an empty request, as postOAuthForm does, and returns what it produced. */
async function applied(auth: { apply: (e: string, f: URLSearchParams, h: Record<string, string>) => Promise<void> }, endpoint = TOKEN_URL) {
  const form = new URLSearchParams();
  const headers: Record<string, string> = {};
  await auth.apply(endpoint, form, headers);
  return { form, headers };
}

/** RFC 6749 §2.3.1 as a server reads a Basic header: base64, split at the first colon, form-decode. */
function readBasic(header: string): { id: string; secret: string } {
  const match = /^Basic ([A-Za-z0-9+/=]+)$/.exec(header);
  expect(match).not.toBeNull();
  const decoded = Buffer.from(match![1], 'base64').toString();
  const colon = decoded.indexOf(':');
  const formDecode = (value: string) => new URLSearchParams(`v=${value}`).get('v');
  return { id: formDecode(decoded.slice(0, colon))!, secret: formDecode(decoded.slice(colon + 1))! };
}

describe('clientSecretBasic', () => {
  it.each([
    ['plain', CLIENT_ID, 'plain-secret'],
    ["a secret with ':', '+' and '/'", CLIENT_ID, 's3cret:with/odd+chars'],
    ['an id with a colon, a secret with a space, % and &', 'client:id', 'a b%c&d=e'],
    ['non-ASCII characters', 'clïent', 'sécret€'],
  ])('encodes %s so a server splitting at the first colon reads them back', async (_what, id, secret) => {
    const { form, headers } = await applied(clientSecretBasic(id, secret));

    expect(readBasic(headers.authorization)).toEqual({ id, secret });
    expect([...form.keys()]).toEqual([]); // nothing in the body
  });

  it('form-encodes id and secret before joining them (RFC 6749 §2.3.1), not just base64', async () => {
    const { headers } = await applied(clientSecretBasic('client:id', 's3cret:with/odd+chars x'));

    const decoded = Buffer.from(headers.authorization.replace(/^Basic /, ''), 'base64').toString();
    expect(decoded).toBe('client%3Aid:s3cret%3Awith%2Fodd%2Bchars+x');
  });

  it('names its method and client, never the secret', () => {
    const auth = clientSecretBasic(CLIENT_ID, 'the-secret');

    expect(auth).toMatchObject({ method: 'client_secret_basic', clientId: CLIENT_ID });
    expect(JSON.stringify(auth)).not.toContain('the-secret');
  });
});

describe('clientSecretPost', () => {
  it('puts client_id and client_secret in the form, beside the fields already there, and no header', async () => {
    const form = new URLSearchParams({ grant_type: 'client_credentials', scope: 'sim-swap:check' });
    const headers: Record<string, string> = {};
    await clientSecretPost(CLIENT_ID, 's3cret:with/odd+chars').apply(TOKEN_URL, form, headers);

    expect(Object.fromEntries(form)).toEqual({
      grant_type: 'client_credentials',
      scope: 'sim-swap:check',
      client_id: CLIENT_ID,
      client_secret: 's3cret:with/odd+chars',
    });
    // What goes on the wire decodes back to the same secret.
    expect(new URLSearchParams(form.toString()).get('client_secret')).toBe('s3cret:with/odd+chars');
    expect(headers).toEqual({});
  });
});

describe.each<Alg>(['RS256', 'ES256'])('privateKeyJwt %s', (alg) => {
  const auth = (options: Parameters<typeof privateKeyJwt>[2] = {}, kid?: string) =>
    privateKeyJwt(CLIENT_ID, signing(alg, kid), { nowS: () => NOW_S, ...options });

  const verify = (assertion: string, audience: string) =>
    jwtVerify(assertion, keys[alg].publicKey, { algorithms: [alg], issuer: CLIENT_ID, subject: CLIENT_ID, audience, currentDate: new Date(NOW_S * 1000) });

  it('adds an RFC 7523 client assertion to the form: iss = sub = client id, aud = the endpoint, signed with the key', async () => {
    const { form, headers } = await applied(auth());

    expect(form.get('client_id')).toBe(CLIENT_ID);
    expect(form.get('client_assertion_type')).toBe(CLIENT_ASSERTION_TYPE);
    const { payload, protectedHeader } = await verify(form.get('client_assertion')!, TOKEN_URL);
    expect(payload).toMatchObject({ iss: CLIENT_ID, sub: CLIENT_ID, aud: TOKEN_URL, iat: NOW_S });
    expect(payload.jti).toEqual(expect.any(String));
    expect(protectedHeader).toEqual({ alg, typ: 'JWT' }); // no kid when none was given
    expect(headers).toEqual({});
  });

  it('signs each assertion for the endpoint it is sent to', async () => {
    const authentication = auth();
    const atAuthorize = await applied(authentication, AUTHORIZE_URL);
    const atToken = await applied(authentication, TOKEN_URL);

    expect((await verify(atAuthorize.form.get('client_assertion')!, AUTHORIZE_URL)).payload.aud).toBe(AUTHORIZE_URL);
    expect((await verify(atToken.form.get('client_assertion')!, TOKEN_URL)).payload.aud).toBe(TOKEN_URL);
    await expect(verify(atAuthorize.form.get('client_assertion')!, TOKEN_URL)).rejects.toThrow(/aud/);
  });

  it('uses the configured audience instead of the endpoint when one is set', async () => {
    const { form } = await applied(auth({ audience: 'https://gateway.example/' }), TOKEN_URL);

    expect(decodeJwt(form.get('client_assertion')!).aud).toBe('https://gateway.example/');
  });

  it('gives every assertion its own jti, so the gateway can refuse a replayed one', async () => {
    const authentication = auth();
    const jtis = new Set<unknown>();
    for (let i = 0; i < 5; i += 1) jtis.add(decodeJwt((await applied(authentication)).form.get('client_assertion')!).jti);

    expect(jtis.size).toBe(5);
  });

  it.each([
    [undefined, DEFAULT_ASSERTION_LIFETIME_S],
    [1, 1],
    [120, 120],
    [MAX_ASSERTION_LIFETIME_S, MAX_ASSERTION_LIFETIME_S],
  ])('with lifetimeS %s, exp - iat = %s s', async (lifetimeS, expected) => {
    const { form } = await applied(auth({ lifetimeS }));

    const { iat, exp } = decodeJwt(form.get('client_assertion')!);
    expect(iat).toBe(NOW_S);
    expect(exp! - iat!).toBe(expected);
  });

  it('takes iat from the clock at each call, not at construction', async () => {
    let now = NOW_S;
    const authentication = privateKeyJwt(CLIENT_ID, signing(alg), { nowS: () => now });
    now += 1000;

    expect(decodeJwt((await applied(authentication)).form.get('client_assertion')!).iat).toBe(NOW_S + 1000);
  });

  it('names the key in the header when a kid is given', async () => {
    const { form } = await applied(auth({}, 'key-2026-03'));

    expect(decodeProtectedHeader(form.get('client_assertion')!)).toEqual({ alg, typ: 'JWT', kid: 'key-2026-03' });
  });

  it.each([301, 3600, 0, -1, 1.5, Number.NaN])('refuses a lifetime of %s s at construction', (lifetimeS) => {
    expect(() => privateKeyJwt(CLIENT_ID, signing(alg), { lifetimeS })).toThrow(/assertion lifetime must be 1\.\.300 s/);
  });

  it('is described by its method and client id', () => {
    expect(auth()).toMatchObject({ method: 'private_key_jwt', clientId: CLIENT_ID });
  });
});

describe('applicationJwt', () => {
  const APPLICATION_ID = '2e6c1d1b-8a4f-4a10-9a8e-0b5d9a6f0c11';
  const auth = (options: Parameters<typeof applicationJwt>[2] = {}, kid?: string) =>
    applicationJwt(APPLICATION_ID, signing('RS256', kid), { nowS: () => NOW_S, ...options });

  const bearer = (headers: Record<string, string>): string => {
    const match = /^Bearer (.+)$/.exec(headers.authorization);
    expect(match).not.toBeNull();
    return match![1];
  };

  it('sends a Bearer JWT naming the application, signed with its key, and leaves the form alone', async () => {
    const form = new URLSearchParams({ scope: 'openid' });
    const headers: Record<string, string> = {};
    await auth().apply(AUTHORIZE_URL, form, headers);

    const { payload, protectedHeader } = await jwtVerify(bearer(headers), keys.RS256.publicKey, {
      algorithms: ['RS256'],
      currentDate: new Date(NOW_S * 1000),
    });
    expect(payload).toMatchObject({ application_id: APPLICATION_ID, iat: NOW_S, exp: NOW_S + DEFAULT_ASSERTION_LIFETIME_S });
    expect(payload.jti).toEqual(expect.any(String));
    expect(protectedHeader).toEqual({ alg: 'RS256', typ: 'JWT' });
    expect(Object.fromEntries(form)).toEqual({ scope: 'openid' });
  });

  it('gives each call its own jti', async () => {
    const authentication = auth();
    const first = decodeJwt(bearer((await applied(authentication)).headers)).jti;
    const second = decodeJwt(bearer((await applied(authentication)).headers)).jti;

    expect(first).not.toBe(second);
  });

  it('honours lifetimeS and kid', async () => {
    const { headers } = await applied(auth({ lifetimeS: 300 }, 'vonage-key'));

    const jwt = bearer(headers);
    const { iat, exp } = decodeJwt(jwt);
    expect(exp! - iat!).toBe(300);
    expect(decodeProtectedHeader(jwt).kid).toBe('vonage-key');
  });

  it.each([301, 0])('refuses a lifetime of %s s at construction', (lifetimeS) => {
    expect(() => applicationJwt(APPLICATION_ID, signing('RS256'), { lifetimeS })).toThrow(/assertion lifetime/);
  });

  it('is described by its method, with the application id as client id', () => {
    expect(auth()).toMatchObject({ method: 'application_jwt', clientId: APPLICATION_ID });
  });
});
