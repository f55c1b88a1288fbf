import Fastify, { FastifyInstance, FastifyReply } from 'fastify';
import { decodeJwt, generateKeyPair } from 'jose';
import { CIBA_GRANT_TYPE, CibaFlow } from './ciba.flow';
import { ClientAuthentication, clientSecretBasic, privateKeyJwt } from './client-auth';
import { SubscriberRefusedError } from './oauth-endpoint';
import { tokenFailure } from './oauth.testing';

const CLIENT_ID = 'linetrust-client';
const CLIENT_SECRET = 's3cret:with/odd+chars';
const PHONE = '+34600000001';
const SCOPE = 'dpv:FraudPreventionAndDetection sim-swap';
const T0 = Date.parse('2026-03-10T12:00:00Z');
const TOKEN_200 = { access_token: 'subscriber-token', token_type: 'Bearer', expires_in: 3600 };

interface Recorded {
  path: string;
  authorization?: string;
  contentType?: string;
  form: Record<string, string>;
}

/** One scripted answer: an HTTP status and a JSON body, or a dropped connection. */
type Scripted = [status: number, body: unknown] | 'drop';

/**
 * A gateway's bc-authorize and token endpoints on loopback, each answering from a script:
 * `authorize` once, `polls` in order (the last one repeated when the script runs out).
 */
class ScriptedGateway {
  readonly requests: Recorded[] = [];
  authorize: Scripted = [200, { auth_req_id: 'req-1', expires_in: 120, interval: 2 }];
  polls: Scripted[] = [[200, TOKEN_200]];
  private pollIndex = 0;

  private constructor(
    private readonly app: FastifyInstance,
    readonly origin: string,
  ) {}

  static async start(): Promise<ScriptedGateway> {
    const app = Fastify({ logger: false, forceCloseConnections: true });
    app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) => {
      done(null, Object.fromEntries(new URLSearchParams(body as string)));
    });
    const holder: { gateway?: ScriptedGateway } = {};
    app.post('/oauth2/*', (req, reply) => {
      const gateway = holder.gateway!;
      gateway.requests.push({
        path: req.url,
        authorization: req.headers.authorization,
        contentType: req.headers['content-type'],
        form: req.body as Record<string, string>,
      });
      if (req.url === '/oauth2/bc-authorize') return send(reply, gateway.authorize);
      const scripted = gateway.polls[Math.min(gateway.pollIndex, gateway.polls.length - 1)];
      gateway.pollIndex += 1;
      return send(reply, scripted);
    });
    holder.gateway = new ScriptedGateway(app, await app.listen({ port: 0, host: '127.0.0.1' }));
    return holder.gateway;
  }

  get authorizeUrl(): string {
    return `${this.origin}/oauth2/bc-authorize`;
  }

  get tokenUrl(): string {
    return `${this.origin}/oauth2/token`;
  }

  get polled(): Recorded[] {
    return this.requests.filter((r) => r.path === '/oauth2/token');
  }

  reset(): void {
    this.requests.length = 0;
    this.authorize = [200, { auth_req_id: 'req-1', expires_in: 120, interval: 2 }];
    this.polls = [[200, TOKEN_200]];
    this.pollIndex = 0;
  }

  close(): Promise<void> {
    return this.app.close();
  }
}

function send(reply: FastifyReply, scripted: Scripted): unknown {
  if (scripted === 'drop') {
    void reply.hijack();
    reply.raw.socket?.destroy();
    return undefined;
  }
  const [status, body] = scripted;
  return reply.code(status).send(body);
}

const oauthError = (status: number, error: string, description?: string): Scripted => [
  status,
  description === undefined ? { error } : { error, error_description: description },
];
const PENDING = oauthError(400, 'authorization_pending');

function basicCredentials(header: string | undefined): { id: string; secret: string } | undefined {
  const encoded = /^Basic (.+)$/.exec(header ?? '')?.[1];
  if (!encoded) return undefined;
  const decoded = Buffer.from(encoded, 'base64').toString();
  const colon = decoded.indexOf(':');
  const formDecode = (value: string) => new URLSearchParams(`v=${value}`).get('v') ?? '';
  return { id: formDecode(decoded.slice(0, colon)), secret: formDecode(decoded.slice(colon + 1)) };
}

describe('CibaFlow (poll mode)', () => {
  let gateway: ScriptedGateway;
  let now: number;
  let sleeps: number[];

  beforeAll(async () => {
    gateway = await ScriptedGateway.start();
  });
  afterAll(async () => {
    await gateway.close();
  });
  beforeEach(() => {
    gateway.reset();
    now = T0;
    sleeps = [];
  });

  /** A flow whose sleep returns at once, moving the injected clock by the time it was asked to wait. */
  const flow = (clientAuth: ClientAuthentication = clientSecretBasic(CLIENT_ID, CLIENT_SECRET)) =>
    new CibaFlow({
      authorizeUrl: gateway.authorizeUrl,
      tokenUrl: gateway.tokenUrl,
      clientAuth,
      requestTimeoutMs: 5_000,
      sleep: async (ms) => {
        sleeps.push(ms);
        now += ms;
      },
      now: () => now,
    });

  const failure = tokenFailure;

  it('sends bc-authorize with scope and login_hint=tel:+E164, then polls the ciba grant until the token comes', async () => {
    gateway.polls = [PENDING, PENDING, [200, TOKEN_200]];

    const result = await flow().run(PHONE, SCOPE);

    expect(result).toEqual({ token: 'subscriber-token', lifetimeS: 3600 });
    expect(gateway.requests.map((r) => r.path)).toEqual(['/oauth2/bc-authorize', '/oauth2/token', '/oauth2/token', '/oauth2/token']);
    expect(gateway.requests[0].form).toEqual({ scope: SCOPE, login_hint: 'tel:+34600000001' });
    for (const poll of gateway.polled) expect(poll.form).toEqual({ grant_type: CIBA_GRANT_TYPE, auth_req_id: 'req-1' });
    for (const request of gateway.requests) {
      expect(request.contentType).toBe('application/x-www-form-urlencoded');
      expect(basicCredentials(request.authorization)).toEqual({ id: CLIENT_ID, secret: CLIENT_SECRET });
    }
  });

  it('with private_key_jwt, signs a fresh assertion for each endpoint it calls', async () => {
    const { privateKey } = await generateKeyPair('ES256');
    gateway.polls = [PENDING, [200, TOKEN_200]];

    await flow(privateKeyJwt(CLIENT_ID, { key: privateKey, alg: 'ES256' })).run(PHONE, SCOPE);

    const claims = gateway.requests.map((r) => decodeJwt(r.form.client_assertion));
    expect(claims.map((c) => c.aud)).toEqual([gateway.authorizeUrl, gateway.tokenUrl, gateway.tokenUrl]);
    expect(new Set(claims.map((c) => c.jti)).size).toBe(3);
    expect(gateway.requests.every((r) => r.form.client_id === CLIENT_ID && r.authorization === undefined)).toBe(true);
  });

  it.each([
    [{ interval: 2 }, 2000],
    [{ interval: '3' }, 3000], // some gateways send numbers as strings
    [{}, 5000], // CIBA core §7.3: 5 s when absent
    [{ interval: -1 }, 5000],
    [{ interval: 'soon' }, 5000],
  ])('with bc-authorize answering %j, waits %s ms before each poll', async (fields, expectedMs) => {
    gateway.authorize = [200, { auth_req_id: 'req-1', expires_in: 120, ...fields }];
    gateway.polls = [PENDING, PENDING, [200, TOKEN_200]];

    await flow().run(PHONE, SCOPE);

    expect(sleeps).toEqual([expectedMs, expectedMs, expectedMs]);
  });

  it('adds 5 s to the interval at each slow_down, for every later poll', async () => {
    gateway.polls = [PENDING, oauthError(400, 'slow_down'), PENDING, oauthError(400, 'slow_down'), [200, TOKEN_200]];

    await flow().run(PHONE, SCOPE);

    expect(sleeps).toEqual([2000, 2000, 7000, 7000, 12000]);
    expect(gateway.polled).toHaveLength(5);
  });

  it('ends with a non-retryable TokenRequestError on expired_token', async () => {
    gateway.polls = [PENDING, oauthError(400, 'expired_token')];

    const error = await failure(flow().run(PHONE, SCOPE));

    expect(error).not.toBeInstanceOf(SubscriberRefusedError);
    expect(error).toMatchObject({ retryable: false, configurationFault: false });
    expect(error.message).toMatch(/expired/);
    expect(gateway.polled).toHaveLength(2);
  });

  it.each([
    ['bc-authorize', 'access_denied', 'consent'],
    ['a poll', 'access_denied', 'consent'],
    ['bc-authorize', 'unknown_user_id', 'unknown_subscriber'],
    ['a poll', 'unknown_user_id', 'unknown_subscriber'],
  ])('turns %s answering %s into SubscriberRefusedError(%s)', async (where, code, kind) => {
    const refusal = oauthError(400, code, 'the holder said no');
    if (where === 'bc-authorize') gateway.authorize = refusal;
    else gateway.polls = [PENDING, refusal];

    const error = await failure(flow().run(PHONE, SCOPE));

    expect(error).toBeInstanceOf(SubscriberRefusedError);
    expect(error).toMatchObject({ kind, retryable: false, configurationFault: false });
    expect(error.message).toBe(`${code}: the holder said no`);
    expect(gateway.polled).toHaveLength(where === 'bc-authorize' ? 0 : 2);
  });

  it.each<[string, Scripted]>([
    ['a 503', [503, { error: 'temporarily_unavailable' }]],
    ['a 502 without a body', [502, '']],
    ['a 429', [429, {}]],
    ['a dropped connection', 'drop'],
  ])('keeps polling after %s at one poll, then returns the token', async (_what, hiccup) => {
    gateway.polls = [PENDING, hiccup, [200, TOKEN_200]];

    expect(await flow().run(PHONE, SCOPE)).toEqual({ token: 'subscriber-token', lifetimeS: 3600 });
    expect(gateway.polled).toHaveLength(3);
    expect(sleeps).toEqual([2000, 2000, 2000]);
  });

  it("ends the flow once the request's expires_in has passed on the injected clock, without another poll", async () => {
    gateway.authorize = [200, { auth_req_id: 'req-1', expires_in: 10, interval: 2 }];
    gateway.polls = [PENDING];

    const error = await failure(flow().run(PHONE, SCOPE));

    expect(error).toMatchObject({ retryable: false, configurationFault: false });
    expect(error.message).toMatch(/before the CIBA request expired/);
    // Polls at +2, +4, +6, +8 s; at +10 s the request has expired and nothing more is sent.
    expect(gateway.polled).toHaveLength(4);
    expect(now).toBe(T0 + 10_000);
  });

  it('reports invalid_client at bc-authorize as a configuration fault, and polls nothing', async () => {
    gateway.authorize = oauthError(401, 'invalid_client', 'Client authentication failed');

    const error = await failure(flow().run(PHONE, SCOPE));

    expect(error).not.toBeInstanceOf(SubscriberRefusedError);
    expect(error).toMatchObject({ retryable: false, configurationFault: true });
    expect(error.message).toBe('configuration fault: bc-authorize endpoint 401 invalid_client: Client authentication failed');
    expect(gateway.polled).toHaveLength(0);
  });

  it('reports invalid_client at a poll as a configuration fault, without polling again', async () => {
    gateway.polls = [PENDING, oauthError(401, 'invalid_client')];

    const error = await failure(flow().run(PHONE, SCOPE));

    expect(error).toMatchObject({ retryable: false, configurationFault: true });
    expect(error.message).toContain('token endpoint 401 invalid_client');
    expect(gateway.polled).toHaveLength(2);
  });

  it('reports a 503 at bc-authorize as retryable, not as a refusal', async () => {
    gateway.authorize = [503, {}];

    const error = await failure(flow().run(PHONE, SCOPE));

    expect(error).not.toBeInstanceOf(SubscriberRefusedError);
    expect(error).toMatchObject({ retryable: true, configurationFault: false });
    expect(gateway.polled).toHaveLength(0);
  });

  it('refuses a 200 from bc-authorize without an auth_req_id as a configuration fault', async () => {
    gateway.authorize = [200, { expires_in: 120, interval: 2 }];

    expect(await failure(flow().run(PHONE, SCOPE))).toMatchObject({ retryable: false, configurationFault: true });
    expect(gateway.polled).toHaveLength(0);
  });

  it('refuses a malformed endpoint URL at construction', () => {
    const make = (authorizeUrl: string) =>
      new CibaFlow({ authorizeUrl, tokenUrl: gateway.tokenUrl, clientAuth: clientSecretBasic(CLIENT_ID, CLIENT_SECRET), requestTimeoutMs: 1000 });

    expect(() => make('not a url')).toThrow();
  });
});
