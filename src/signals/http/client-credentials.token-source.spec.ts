import { createServer } from 'node:net';
import {
  ClientCredentialsTokenSource,
  FRAUD_PREVENTION_PURPOSE,
  TokenRequestError,
} from './client-credentials.token-source';
import { basicCredentials, CLIENT_ID, CLIENT_SECRET, MockOperator, useMockOperator } from './mock-operator.testing';

const T0 = Date.parse('2026-03-10T12:00:00Z');
const SECOND = 1000;
const SIM_CHECK = ['sim-swap:check'];

describe('ClientCredentialsTokenSource', () => {
  const mockOperator = useMockOperator();
  let operator: MockOperator;
  let now: number;

  beforeEach(() => {
    operator = mockOperator();
    now = T0;
  });

  const source = (overrides: { clientSecret?: string; tokenUrl?: string; purpose?: string | null; fetch?: typeof fetch } = {}) =>
    new ClientCredentialsTokenSource({
      tokenUrl: overrides.tokenUrl ?? operator.tokenUrl,
      clientId: CLIENT_ID,
      clientSecret: overrides.clientSecret ?? CLIENT_SECRET,
      now: () => now,
      ...(overrides.purpose === undefined ? {} : { purpose: overrides.purpose }),
      ...(overrides.fetch === undefined ? {} : { fetch: overrides.fetch }),
    });

  const rejection = async (promise: Promise<unknown>): Promise<TokenRequestError> => {
    const error = await promise.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(TokenRequestError);
    return error as TokenRequestError;
  };

  it('asks with HTTP Basic client credentials, a form-encoded client_credentials grant, the API scopes and the purpose', async () => {
    const token = await source().token(['kyc-tenure:check-tenure']);

    expect(token).toBe('token-1');
    const [request] = operator.tokenRequests;
    expect(request.headers['content-type']).toBe('application/x-www-form-urlencoded');
    // The secret has ':', '/' and '+': they survive only if encoded as RFC 6749 §2.3.1 says.
    expect(basicCredentials(request.headers.authorization as string)).toEqual({ id: CLIENT_ID, secret: CLIENT_SECRET });
    const form = request.body as Record<string, string>;
    expect(form.grant_type).toBe('client_credentials');
    expect(form.scope.split(' ').sort()).toEqual([FRAUD_PREVENTION_PURPOSE, 'kyc-tenure:check-tenure'].sort());
    expect(form).not.toHaveProperty('client_secret'); // never in the body when Basic is used
  });

  it.each([
    ['another purpose', 'dpv:EnforceSecurity', 'dpv:EnforceSecurity sim-swap:check'],
    ['none (the scopes carry it, composed by a gateway profile)', null, 'sim-swap:check'],
  ])('asks with the purpose configured: %s', async (_what, purpose, scope) => {
    await source({ purpose }).token(SIM_CHECK);

    expect((operator.tokenRequests[0].body as Record<string, string>).scope).toBe(scope);
  });

  it('makes one token request for many calls, concurrent or one after another', async () => {
    const tokens = source();
    const concurrent = await Promise.all(Array.from({ length: 20 }, () => tokens.token(SIM_CHECK)));
    const sequential = [];
    for (let i = 0; i < 5; i += 1) sequential.push(await tokens.token(SIM_CHECK));

    expect(new Set([...concurrent, ...sequential])).toEqual(new Set(['token-1']));
    expect(operator.tokenRequests).toHaveLength(1);
  });

  it('keeps one token per scope set, whatever the order the scopes are given in', async () => {
    const tokens = source();
    const ab = await tokens.token(['device-swap:check', 'sim-swap:check']);
    const ba = await tokens.token(['sim-swap:check', 'device-swap:check']);
    const other = await tokens.token(['number-recycling:check']);

    expect(ba).toBe(ab);
    expect(other).not.toBe(ab);
    expect(operator.tokenRequests).toHaveLength(2);
  });

  it.each([
    // [expires_in, last instant still cached (s after issue)]: margin is min(30 s, 10 % of the lifetime)
    [3600, 3570],
    [60, 54],
    [undefined, 270], // no expires_in (RFC 6749: only RECOMMENDED): kept 300 s
  ])('with expires_in %s, refreshes %s s after issue, before the token expires', async (expiresIn, refreshAtS) => {
    operator.expiresIn = expiresIn as number;
    const tokens = source();
    const first = await tokens.token(SIM_CHECK);

    now = T0 + refreshAtS * SECOND - 1;
    expect(await tokens.token(SIM_CHECK)).toBe(first);
    expect(operator.tokenRequests).toHaveLength(1);

    now = T0 + refreshAtS * SECOND;
    expect(await tokens.token(SIM_CHECK)).not.toBe(first);
    expect(operator.tokenRequests).toHaveLength(2);
  });

  it('after invalidate() of the current token, the next call fetches a new one', async () => {
    const tokens = source();
    const first = await tokens.token(SIM_CHECK);
    tokens.invalidate(SIM_CHECK, first);

    expect(await tokens.token(SIM_CHECK)).toBe('token-2');
    expect(operator.tokenRequests).toHaveLength(2);
  });

  it('ignores invalidate() of a token already replaced, so concurrent 401s cost one refresh', async () => {
    const tokens = source();
    const first = await tokens.token(SIM_CHECK);
    tokens.invalidate(SIM_CHECK, first);
    const second = await tokens.token(SIM_CHECK);
    tokens.invalidate(SIM_CHECK, first); // a late caller still holding the old token

    expect(await tokens.token(SIM_CHECK)).toBe(second);
    expect(operator.tokenRequests).toHaveLength(2);
  });

  it('reports refused credentials as a configuration fault that no retry can fix', async () => {
    const error = await rejection(source({ clientSecret: 'wrong' }).token(SIM_CHECK));

    expect(error).toMatchObject({ retryable: false, configurationFault: true });
    expect(error.message).toBe('configuration fault: token endpoint 401 invalid_client: Client authentication failed');
    expect(error.message).not.toContain('wrong');
  });

  it('reports a refused scope as a configuration fault', async () => {
    operator.tokenHandler = (_req, reply) => reply.code(400).send({ error: 'invalid_scope' });
    const error = await rejection(source().token(SIM_CHECK));

    expect(error).toMatchObject({ retryable: false, configurationFault: true });
    expect(error.message).toContain('400 invalid_scope');
  });

  it('reports a 503 from the token endpoint as transient, and caches nothing', async () => {
    operator.tokenHandler = (_req, reply) => reply.code(503).send('down');
    const tokens = source();
    const error = await rejection(tokens.token(SIM_CHECK));
    expect(error).toMatchObject({ retryable: true, configurationFault: false });
    expect(error.message).toContain('token endpoint 503');

    operator.tokenHandler = undefined;
    expect(await tokens.token(SIM_CHECK)).toBe('token-1');
    expect(operator.tokenRequests).toHaveLength(2);
  });

  it('refuses a 200 without an access_token', async () => {
    operator.tokenHandler = (_req, reply) => reply.send({ token_type: 'Bearer' });

    expect(await rejection(source().token(SIM_CHECK))).toMatchObject({ retryable: false, configurationFault: true });
  });

  it('reports an unreachable token endpoint as transient', async () => {
    const closedPort = await new Promise<number>((resolve) => {
      const server = createServer().listen(0, '127.0.0.1', () => {
        const { port } = server.address() as { port: number };
        server.close(() => resolve(port));
      });
    });
    const error = await rejection(source({ tokenUrl: `http://127.0.0.1:${closedPort}/token` }).token(SIM_CHECK));

    expect(error).toMatchObject({ retryable: true });
    expect(error.message).toContain('ECONNREFUSED');
  });

  it('lets an aborted caller stop waiting without cancelling the fetch the others share', async () => {
    let arrived!: () => void;
    const inFlight = new Promise<void>((resolve) => (arrived = resolve));
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    operator.tokenHandler = async (_req, reply) => {
      arrived();
      await gate;
      return reply.send({ access_token: 'shared', token_type: 'Bearer', expires_in: 3600 });
    };
    const tokens = source();
    const controller = new AbortController();
    const impatient = tokens.token(SIM_CHECK, { abortSignal: controller.signal });
    const patient = tokens.token(SIM_CHECK);
    await inFlight;

    controller.abort();
    const error = await rejection(impatient);
    expect(error).toMatchObject({ retryable: true });
    expect(error.message).toContain('timeout/aborted');

    release();
    expect(await patient).toBe('shared');
    expect(operator.tokenRequests).toHaveLength(1);
  });

  it('refuses a malformed token URL at construction, not on the first call', () => {
    expect(() => source({ tokenUrl: 'not a url' })).toThrow();
  });

  it('refuses to be built without credentials, saying which ones it needs', () => {
    expect(() => new ClientCredentialsTokenSource({ tokenUrl: operator.tokenUrl, clientId: CLIENT_ID })).toThrow(
      'client credentials need clientAuth, or clientId and clientSecret',
    );
  });

  it('starts no token request for a caller that has already given up, and says it may be retried', async () => {
    const fetchCalls: unknown[] = [];
    const countingFetch: typeof fetch = (input, init) => {
      fetchCalls.push(input);
      return fetch(input, init);
    };
    const error = await rejection(source({ fetch: countingFetch }).token(SIM_CHECK, { abortSignal: AbortSignal.abort() }));
    // Every step before a fetch is a promise job: once they have all run, none was started.
    await new Promise((resolve) => setImmediate(resolve));

    expect(error).toMatchObject({ retryable: true });
    expect(error.message).toMatch(/aborted/);
    expect(fetchCalls).toHaveLength(0);
    expect(operator.tokenRequests).toHaveLength(0);
  });

  it('never lets a shared token fetch that fails after its callers left become an unhandled rejection', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    // A port that accepts nothing: the fetch fails a moment after the caller has stopped waiting.
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as { port: number };
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const controller = new AbortController();
    const tokens = source({ tokenUrl: `http://127.0.0.1:${port}/oauth2/token` });
    const waiting = tokens.token(SIM_CHECK, { abortSignal: controller.signal });
    controller.abort();
    await rejection(waiting);
    // Let the shared fetch fail, then give Node the turn in which it reports unhandled rejections.
    await rejection(tokens.token(SIM_CHECK));
    await new Promise((resolve) => setImmediate(resolve));
    process.off('unhandledRejection', onUnhandled);
    expect(unhandled).toEqual([]);
  });
});
