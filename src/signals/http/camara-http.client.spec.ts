import { Logger } from '@nestjs/common';
import { FastifyReply } from 'fastify';
import { createServer } from 'node:net';
import { SimSwapHttpClient } from '../sim-swap/sim-swap.client';
import { SignalStatus } from '../signal.types';
import { parseRetryAfter } from './camara-http.client';
import { AccessTokenContext, AccessTokenSource } from './client-credentials.token-source';
import { answer, camara, drop, MockOperator, tokensFor, useMockOperator } from './mock-operator.testing';

/**
 * The transport every client shares, exercised through SIM Swap `check` (the simplest body).
 * What the decision engine relies on: a status it can reason about, never an exception, and
 * `retryable` / `retryAfterMs` telling the resilience layer whether asking again may help.
 */
const NUMBER = '+34600000001';
const MASKED = '+34******001';
const CHECK = '/sim-swap/v2/check';
const CORRELATOR = 'b4333c46-49c0-4f62-80d7-f0ef930f1c46';
const NOW = Date.parse('2026-03-10T12:00:00Z');

describe('CamaraHttpClient', () => {
  const mockOperator = useMockOperator();
  let operator: MockOperator;
  let logged: { error: jest.SpyInstance; warn: jest.SpyInstance };

  beforeEach(() => {
    operator = mockOperator();
    // useMockOperator already silences warn: spying again hands back that same spy.
    logged = {
      error: jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined),
      warn: jest.spyOn(Logger.prototype, 'warn'),
    };
  });

  const client = (options: { apiRoot?: string; tokens?: AccessTokenSource } = {}) =>
    new SimSwapHttpClient({
      apiRoot: options.apiRoot ?? operator.origin,
      version: 'v2',
      tokens: options.tokens ?? tokensFor(operator),
      now: () => NOW,
    });
  const check = (c = client(), abortSignal?: AbortSignal) =>
    c.check({ phoneNumber: NUMBER, maxAge: 24 }, { correlator: CORRELATOR, abortSignal });
  const allLogLines = () => [...logged.error.mock.calls, ...logged.warn.mock.calls].map((args) => String(args[0]));

  it('POSTs JSON under apiRoot with the bearer token and the decision’s own x-correlator', async () => {
    operator.on('/gw/camara/sim-swap/v2/check', answer({ swapped: true }));

    const result = await check(client({ apiRoot: `${operator.origin}/gw/camara/` }));

    expect(result).toEqual({ status: 'OK', value: { swapped: true } });
    const [request] = operator.apiRequests;
    expect(request.path).toBe('/gw/camara/sim-swap/v2/check'); // a trailing slash does not double up
    expect(request.headers.authorization).toBe('Bearer token-1');
    expect(request.headers['x-correlator']).toBe(CORRELATOR);
    expect(request.headers['content-type']).toBe('application/json');
  });

  it.each<[number, string, SignalStatus, boolean | undefined]>([
    // The answers the policy can reason about: definite, never retried.
    [400, 'OUT_OF_RANGE', 'OUT_OF_RANGE', undefined],
    [404, 'IDENTIFIER_NOT_FOUND', 'NOT_SUBSCRIBER', undefined],
    [422, 'SERVICE_NOT_APPLICABLE', 'NOT_APPLICABLE', undefined],
    // The request itself was refused: the same request would be refused again.
    [400, 'INVALID_ARGUMENT', 'UNAVAILABLE', false],
    [404, 'NOT_FOUND', 'UNAVAILABLE', false],
    [501, 'NOT_IMPLEMENTED', 'UNAVAILABLE', false],
    // The contract's quota is spent: another try only adds to the bill.
    [429, 'QUOTA_EXCEEDED', 'UNAVAILABLE', false],
    // Transient: worth another try within the deadline.
    [429, 'TOO_MANY_REQUESTS', 'UNAVAILABLE', true],
    [500, 'INTERNAL', 'UNAVAILABLE', true],
    [502, 'BAD_GATEWAY', 'UNAVAILABLE', true],
    [503, 'UNAVAILABLE', 'UNAVAILABLE', true],
    [504, 'TIMEOUT', 'UNAVAILABLE', true],
  ])('%i %s -> %s (retryable: %s), the reason naming status and code', async (status, code, expected, retryable) => {
    operator.on(CHECK, camara(status, code, 'operator says no'));

    const result = await check();

    expect(result).toEqual({ status: expected, reason: `${status} ${code}: operator says no`, retryable });
    expect(operator.apiRequests).toHaveLength(1); // no retry inside the client: that is the caller's
  });

  it.each(['MISSING_IDENTIFIER', 'UNNECESSARY_IDENTIFIER'])(
    '422 %s is the gateway body rule in our configuration: said once, at error level, naming the setting',
    async (code) => {
      operator.on(CHECK, camara(422, code, 'operator says no'));
      const c = client();

      const first = await check(c);
      const second = await check(c);

      expect(first).toEqual({ status: 'UNAVAILABLE', reason: `configuration fault: 422 ${code}: operator says no`, retryable: false });
      expect(second).toEqual(first);
      expect(logged.error).toHaveBeenCalledTimes(1);
      expect(String(logged.error.mock.calls[0][0])).toContain('"phoneNumberInBody": false');
    },
  );

  it('passes on a 429’s Retry-After in seconds as retryAfterMs', async () => {
    operator.on(CHECK, camara(429, 'TOO_MANY_REQUESTS', 'slow down', { 'retry-after': '7' }));

    expect(await check()).toMatchObject({ status: 'UNAVAILABLE', retryable: true, retryAfterMs: 7000 });
  });

  it('passes on a 503’s Retry-After HTTP-date as the delay from now', async () => {
    const at = new Date(NOW + 90_000).toUTCString();
    operator.on(CHECK, camara(503, 'UNAVAILABLE', 'maintenance', { 'retry-after': at }));

    expect(await check()).toMatchObject({ status: 'UNAVAILABLE', retryable: true, retryAfterMs: 90_000 });
  });

  it('on a 401, fetches a new token and retries once', async () => {
    operator.on(CHECK, answer({ swapped: false }));
    const c = client();
    await check(c);
    operator.revokeAll(); // the operator rotated its keys: the cached token-1 is now refused

    expect(await check(c)).toEqual({ status: 'OK', value: { swapped: false } });
    expect(operator.tokenRequests).toHaveLength(2);
    expect(operator.apiRequests.map((r) => r.headers.authorization)).toEqual([
      'Bearer token-1',
      'Bearer token-1',
      'Bearer token-2',
    ]);
    expect(operator.apiRequests[2].headers['x-correlator']).toBe(CORRELATOR);
  });

  it('reports a second 401 as a configuration fault, loudly, without retrying again', async () => {
    // Tokens are issued but every one is refused: wrong client registration at the gateway.
    operator.on(CHECK, camara(401, 'UNAUTHENTICATED', 'token not accepted'));

    const result = await check();

    expect(result).toMatchObject({ status: 'UNAVAILABLE', retryable: false });
    expect((result as { reason: string }).reason).toMatch(/^configuration fault: 401 UNAUTHENTICATED/);
    expect(operator.apiRequests.map((r) => r.headers.authorization)).toEqual(['Bearer token-1', 'Bearer token-2']);
    expect(logged.error).toHaveBeenCalledTimes(1);
    expect(String(logged.error.mock.calls[0][0])).toContain('configuration fault');
  });

  it.each(['PERMISSION_DENIED', 'INVALID_TOKEN_CONTEXT'])(
    'reports 403 %s as a configuration fault, loudly, without a retry',
    async (code) => {
      operator.on(CHECK, camara(403, code, 'scope missing'));

      expect(await check()).toEqual({
        status: 'UNAVAILABLE',
        reason: `configuration fault: 403 ${code}: scope missing`,
        retryable: false,
      });
      expect(operator.apiRequests).toHaveLength(1);
      expect(logged.error).toHaveBeenCalledTimes(1);
    },
  );

  it('reports credentials the token endpoint refuses as a configuration fault, and never calls the API', async () => {
    operator.tokenHandler = (_req, reply) => reply.code(401).send({ error: 'invalid_client' });

    const result = await check();

    expect(result).toEqual({
      status: 'UNAVAILABLE',
      reason: 'configuration fault: token endpoint 401 invalid_client',
      retryable: false,
    });
    expect(operator.apiRequests).toHaveLength(0);
    expect(logged.error).toHaveBeenCalledTimes(1);
  });

  it('reports a token endpoint that is down as transient', async () => {
    operator.tokenHandler = (_req, reply) => reply.code(503).send({ error: 'temporarily_unavailable' });

    expect(await check()).toEqual({
      status: 'UNAVAILABLE',
      reason: 'no access token: token endpoint 503 temporarily_unavailable',
      retryable: true,
    });
  });

  it('reports a dropped connection as a transient network error', async () => {
    operator.on(CHECK, drop());

    const result = await check();

    expect(result).toMatchObject({ status: 'UNAVAILABLE', retryable: true });
    expect((result as { reason: string }).reason).toMatch(/^network error: /);
  });

  it('reports a refused connection as a transient network error', async () => {
    const tokens = tokensFor(operator);
    const closedPort = await new Promise<number>((resolve) => {
      const server = createServer().listen(0, '127.0.0.1', () => {
        const { port } = server.address() as { port: number };
        server.close(() => resolve(port));
      });
    });

    const result = await check(client({ apiRoot: `http://127.0.0.1:${closedPort}`, tokens }));

    expect(result).toMatchObject({ status: 'UNAVAILABLE', retryable: true });
    expect((result as { reason: string }).reason).toContain('ECONNREFUSED');
  });

  it('stops waiting when the call is aborted, as a transient timeout/aborted', async () => {
    let arrived!: () => void;
    const inFlight = new Promise<void>((resolve) => (arrived = resolve));
    operator.on(CHECK, operator.hang(arrived));
    const controller = new AbortController();

    const pending = check(client(), controller.signal);
    await inFlight;
    controller.abort();

    expect(await pending).toEqual({ status: 'UNAVAILABLE', reason: `timeout/aborted: POST ${CHECK}`, retryable: true });
  });

  it('asks nothing when the call is already aborted', async () => {
    const result = await check(client(), AbortSignal.abort());

    expect(result).toMatchObject({ status: 'UNAVAILABLE', retryable: true });
    expect((result as { reason: string }).reason).toMatch(/^timeout\/aborted/);
    expect(operator.apiRequests).toHaveLength(0);
  });

  it.each<[string, (reply: FastifyReply) => unknown]>([
    ['a body that is not JSON', (reply) => reply.code(200).type('application/json').send('{"swapped": tru')],
    ['a boolean sent as a string', (reply) => reply.code(200).send({ swapped: 'true' })],
    ['the answer field missing', (reply) => reply.code(200).send({ simSwapped: true })],
  ])('reports a malformed 200 (%s) as unavailable, not retryable', async (_label, send) => {
    operator.on(CHECK, (_req, reply) => send(reply));

    expect(await check()).toEqual({
      status: 'UNAVAILABLE',
      reason: 'malformed 200 response: expected { swapped: boolean }',
      retryable: false,
    });
  });

  it('reads an error that is not a CAMARA body (a proxy’s HTML page) by its status', async () => {
    operator.on(CHECK, (_req, reply) => reply.code(502).type('text/html').send('<html>\n<h1>Bad Gateway</h1></html>'));

    expect(await check()).toEqual({
      status: 'UNAVAILABLE',
      reason: '502 (no CAMARA error body): <html> <h1>Bad Gateway</h1></html>',
      retryable: true,
    });
  });

  it('never lets the phone number through in clear, in a reason or a log line', async () => {
    operator.on(CHECK, camara(422, 'MISSING_IDENTIFIER', `Cannot identify ${NUMBER}`));
    const refused = await check();
    operator.on(CHECK, camara(403, 'PERMISSION_DENIED', 'no'));
    await check();

    expect((refused as { reason: string }).reason).toBe(`configuration fault: 422 MISSING_IDENTIFIER: Cannot identify ${MASKED}`);
    expect(allLogLines().length).toBeGreaterThan(1);
    for (const line of allLogLines()) {
      expect(line).not.toContain(NUMBER);
      expect(line).toContain(MASKED);
    }
  });

  it('leaves phoneNumber out of the body when the token names the subject (3-legged, CIBA)', async () => {
    const contexts: AccessTokenContext[] = [];
    const twoLegged = tokensFor(operator);
    const threeLegged: AccessTokenSource = {
      identifiesSubject: true,
      token: (scopes, ctx) => {
        contexts.push(ctx ?? {});
        return twoLegged.token(scopes);
      },
      invalidate: (scopes, t) => twoLegged.invalidate(scopes, t),
    };
    operator.on(CHECK, answer({ swapped: false }));

    await check(client({ tokens: threeLegged }));

    expect(operator.apiRequests[0].body).toEqual({ maxAge: 24 });
    expect(contexts[0].phoneNumber).toBe(NUMBER); // the source's login_hint
  });

  it('refuses a malformed apiRoot or an unsupported version at construction', () => {
    const tokens = tokensFor(operator);
    expect(() => new SimSwapHttpClient({ apiRoot: 'nope', version: 'v2', tokens })).toThrow();
    expect(() => new SimSwapHttpClient({ apiRoot: operator.origin, version: 'v3', tokens })).toThrow(
      'SIM Swap: unsupported API version "v3" (supported: v2, v1, v0, v040)',
    );
  });
});

describe('parseRetryAfter', () => {
  it.each<[string | null, number | undefined]>([
    ['7', 7000],
    ['0', 0],
    [' 120 ', 120_000],
    [new Date(NOW + 30_000).toUTCString(), 30_000],
    ['Tue, 10 Mar 2026 11:00:00 GMT', 0], // already past: retry now, never a negative delay
    ['1.5', undefined],
    ['-3', undefined],
    ['soon', undefined],
    [null, undefined],
  ])('%p -> %p ms', (header, expected) => {
    expect(parseRetryAfter(header, NOW)).toBe(expected);
  });
});
