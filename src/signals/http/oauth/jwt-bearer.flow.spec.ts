import Fastify, { FastifyInstance } from 'fastify';
import { decodeJwt, decodeProtectedHeader, generateKeyPair, jwtVerify, KeyLike } from 'jose';
import { ClientAuthentication, clientSecretBasic, privateKeyJwt, SigningKey } from './client-auth';
import { JWT_BEARER_GRANT_TYPE, JwtBearerFlow } from './jwt-bearer.flow';
import { SubscriberRefusedError } from './oauth-endpoint';
import { tokenFailure } from './oauth.testing';

const ISSUER = 'linetrust-client';
const PHONE = '+34600000001';
const SCOPE = 'dpv:FraudPreventionAndDetection sim-swap:check';
const NOW_S = Date.parse('2026-03-10T12:00:00Z') / 1000;

interface Recorded {
  authorization?: string;
  form: Record<string, string>;
}

describe('JwtBearerFlow', () => {
  let app: FastifyInstance;
  let tokenUrl: string;
  let requests: Recorded[];
  let answer: [status: number, body: unknown];
  let assertionKeys: { privateKey: KeyLike; publicKey: KeyLike };
  let clientKeys: { privateKey: KeyLike; publicKey: KeyLike };

  beforeAll(async () => {
    assertionKeys = await generateKeyPair('RS256');
    clientKeys = await generateKeyPair('ES256');
    app = Fastify({ logger: false, forceCloseConnections: true });
    app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) => {
      done(null, Object.fromEntries(new URLSearchParams(body as string)));
    });
    app.post('/oauth2/token', (req, reply) => {
      requests.push({ authorization: req.headers.authorization, form: req.body as Record<string, string> });
      return reply.code(answer[0]).send(answer[1]);
    });
    tokenUrl = `${await app.listen({ port: 0, host: '127.0.0.1' })}/oauth2/token`;
  });
  afterAll(async () => {
    await app.close();
  });
  beforeEach(() => {
    requests = [];
    answer = [200, { access_token: 'subscriber-token', token_type: 'Bearer', expires_in: 1800 }];
  });

  const signing = (kid?: string): SigningKey => ({ key: assertionKeys.privateKey, alg: 'RS256', kid });
  const flow = (options: { clientAuth?: ClientAuthentication; audience?: string; lifetimeS?: number; kid?: string } = {}) =>
    new JwtBearerFlow({
      tokenUrl,
      issuer: ISSUER,
      signing: signing(options.kid),
      clientAuth: options.clientAuth,
      audience: options.audience,
      lifetimeS: options.lifetimeS,
      requestTimeoutMs: 5_000,
      nowS: () => NOW_S,
    });

  const failure = tokenFailure;

  it('posts the jwt-bearer grant with the scope and an assertion about tel:+E164, and returns the token', async () => {
    const result = await flow().run(PHONE, SCOPE);

    expect(result).toEqual({ token: 'subscriber-token', lifetimeS: 1800 });
    expect(requests).toHaveLength(1);
    const { form } = requests[0];
    expect(Object.keys(form).sort()).toEqual(['assertion', 'grant_type', 'scope']);
    expect(form.grant_type).toBe(JWT_BEARER_GRANT_TYPE);
    expect(form.scope).toBe(SCOPE);
    const { payload, protectedHeader } = await jwtVerify(form.assertion, assertionKeys.publicKey, {
      algorithms: ['RS256'],
      issuer: ISSUER,
      subject: 'tel:+34600000001',
      audience: tokenUrl,
      currentDate: new Date(NOW_S * 1000),
    });
    expect(payload).toMatchObject({ iat: NOW_S, exp: NOW_S + 60 });
    expect(payload.jti).toEqual(expect.any(String));
    expect(protectedHeader).toEqual({ alg: 'RS256', typ: 'JWT' });
  });

  it('sends no client authentication when none is configured', async () => {
    await flow().run(PHONE, SCOPE);

    expect(requests[0].authorization).toBeUndefined();
    expect(requests[0].form).not.toHaveProperty('client_assertion');
    expect(requests[0].form).not.toHaveProperty('client_id');
  });

  it('gives each run its own jti', async () => {
    const bearer = flow();
    await bearer.run(PHONE, SCOPE);
    await bearer.run(PHONE, SCOPE);

    expect(decodeJwt(requests[0].form.assertion).jti).not.toBe(decodeJwt(requests[1].form.assertion).jti);
  });

  it('honours the configured audience, lifetime and key id', async () => {
    await flow({ audience: 'https://gateway.example', lifetimeS: 120, kid: 'assertion-key-1' }).run(PHONE, SCOPE);

    const { assertion } = requests[0].form;
    const claims = decodeJwt(assertion);
    expect(claims.aud).toBe('https://gateway.example');
    expect(claims.exp! - claims.iat!).toBe(120);
    expect(decodeProtectedHeader(assertion).kid).toBe('assertion-key-1');
  });

  // ICM caps assertions at 300 s, and privateKeyJwt/applicationJwt refuse more at construction.
  it.each([301, 0])('refuses an assertion lifetime of %s s at construction, as the client assertions do', (lifetimeS) => {
    expect(() => flow({ lifetimeS })).toThrow(/assertion lifetime must be 1\.\.300 s/);
  });

  it('applies HTTP Basic client authentication when configured', async () => {
    await flow({ clientAuth: clientSecretBasic(ISSUER, 'secret') }).run(PHONE, SCOPE);

    expect(requests[0].authorization).toBe(`Basic ${Buffer.from(`${ISSUER}:secret`).toString('base64')}`);
  });

  it('applies a private_key_jwt client assertion beside the grant assertion, each with its own subject', async () => {
    const clientAuth = privateKeyJwt(ISSUER, { key: clientKeys.privateKey, alg: 'ES256' });
    await flow({ clientAuth }).run(PHONE, SCOPE);

    const { form } = requests[0];
    expect(form.client_assertion_type).toBe('urn:ietf:params:oauth:client-assertion-type:jwt-bearer');
    const client = await jwtVerify(form.client_assertion, clientKeys.publicKey, { audience: tokenUrl, issuer: ISSUER, subject: ISSUER });
    expect(client.payload.jti).not.toBe(decodeJwt(form.assertion).jti);
    expect(decodeJwt(form.assertion).sub).toBe(`tel:${PHONE}`);
    expect(form.grant_type).toBe(JWT_BEARER_GRANT_TYPE);
  });

  it.each([
    ['access_denied', 'consent'],
    ['unknown_user_id', 'unknown_subscriber'],
  ])('turns %s into SubscriberRefusedError(%s)', async (code, kind) => {
    answer = [400, { error: code, error_description: 'no consent recorded' }];

    const error = await failure(flow().run(PHONE, SCOPE));

    expect(error).toBeInstanceOf(SubscriberRefusedError);
    expect(error).toMatchObject({ kind, retryable: false, configurationFault: false, message: `${code}: no consent recorded` });
  });

  it.each([
    [400, 'invalid_grant'],
    [400, 'invalid_scope'],
    [401, 'invalid_client'],
  ])('reports %s %s as a configuration fault, not a refusal', async (status, code) => {
    answer = [status, { error: code }];

    const error = await failure(flow().run(PHONE, SCOPE));

    expect(error).not.toBeInstanceOf(SubscriberRefusedError);
    expect(error).toMatchObject({ retryable: false, configurationFault: true });
    expect(error.message).toBe(`configuration fault: token endpoint ${status} ${code}`);
  });

  it('reports a 503 as retryable', async () => {
    answer = [503, 'down'];

    expect(await failure(flow().run(PHONE, SCOPE))).toMatchObject({ retryable: true, configurationFault: false });
  });

  it('refuses a 200 without an access_token', async () => {
    answer = [200, { token_type: 'Bearer' }];

    expect(await failure(flow().run(PHONE, SCOPE))).toMatchObject({ retryable: false, configurationFault: true });
  });
});
