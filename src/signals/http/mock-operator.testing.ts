import { Logger } from '@nestjs/common';
import Fastify, { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ClientCredentialsTokenSource } from './client-credentials.token-source';

/**
 * Test support only (imported by *.spec.ts): a small operator gateway on loopback with a
 * client-credentials token endpoint and programmable CAMARA answers, so the clients are tested
 * over real HTTP (headers, status codes, dropped sockets) rather than against a mocked fetch.
 */
export interface RecordedRequest {
  path: string;
  headers: Record<string, string | string[] | undefined>;
  body: unknown;
}

export type OperatorHandler = (request: RecordedRequest, reply: FastifyReply) => unknown;

export const CLIENT_ID = 'linetrust-client';
export const CLIENT_SECRET = 's3cret:with/odd+chars';

export class MockOperator {
  readonly tokenRequests: RecordedRequest[] = [];
  readonly apiRequests: RecordedRequest[] = [];
  /** Lifetime of the tokens the endpoint issues, in seconds. */
  expiresIn = 3600;
  /** Replaces the token endpoint's normal behaviour, e.g. to answer 503. */
  tokenHandler?: OperatorHandler;
  private readonly handlers = new Map<string, OperatorHandler>();
  private readonly validTokens = new Set<string>();
  private readonly hanging: Array<() => void> = [];
  private issued = 0;

  private constructor(
    private readonly app: FastifyInstance,
    readonly origin: string,
  ) {}

  static async start(): Promise<MockOperator> {
    const app = Fastify({ logger: false, forceCloseConnections: true });
    app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) => {
      done(null, Object.fromEntries(new URLSearchParams(body as string)));
    });
    // Routes must exist before listen, and the origin is only known after it.
    const routes: { operator?: MockOperator } = {};
    app.post('/oauth2/token', (req, reply) => routes.operator?.token(req, reply));
    app.post('/*', (req, reply) => routes.operator?.api(req, reply));
    routes.operator = new MockOperator(app, await app.listen({ port: 0, host: '127.0.0.1' }));
    return routes.operator;
  }

  get tokenUrl(): string {
    return `${this.origin}/oauth2/token`;
  }

  /** Answers POST `path` (e.g. `/sim-swap/v2/check`) with `handler` once the token is valid. */
  on(path: string, handler: OperatorHandler): void {
    this.handlers.set(path, handler);
  }

  /** Every token issued so far stops working, as when an operator rotates its keys. */
  revokeAll(): void {
    this.validTokens.clear();
  }

  reset(): void {
    this.tokenRequests.length = 0;
    this.apiRequests.length = 0;
    this.handlers.clear();
    this.tokenHandler = undefined;
    this.expiresIn = 3600;
    this.issued = 0;
    this.validTokens.clear();
    this.releaseHanging();
  }

  async close(): Promise<void> {
    this.releaseHanging();
    await this.app.close();
  }

  /** A handler that never answers until released; `arrived` fires when the request is in. */
  hang(arrived: () => void): OperatorHandler {
    return async (_req, reply) => {
      arrived();
      await new Promise<void>((resolve) => this.hanging.push(resolve));
      return reply.code(200).send({});
    };
  }

  private releaseHanging(): void {
    this.hanging.splice(0).forEach((release) => release());
  }

  private token(req: FastifyRequest, reply: FastifyReply): unknown {
    const recorded = record(req);
    this.tokenRequests.push(recorded);
    if (this.tokenHandler) return this.tokenHandler(recorded, reply);
    const credentials = basicCredentials(req.headers.authorization);
    if (credentials?.id !== CLIENT_ID || credentials.secret !== CLIENT_SECRET) {
      return reply.code(401).send({ error: 'invalid_client', error_description: 'Client authentication failed' });
    }
    const form = req.body as Record<string, string>;
    this.issued += 1;
    const accessToken = `token-${this.issued}`;
    this.validTokens.add(accessToken);
    return reply.send({ access_token: accessToken, token_type: 'Bearer', expires_in: this.expiresIn, scope: form.scope });
  }

  private api(req: FastifyRequest, reply: FastifyReply): unknown {
    const recorded = record(req);
    this.apiRequests.push(recorded);
    const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    if (!token || !this.validTokens.has(token)) return camara(401, 'UNAUTHENTICATED')(recorded, reply);
    const handler = this.handlers.get(recorded.path);
    if (!handler) return camara(404, 'NOT_FOUND', 'The specified resource is not found.')(recorded, reply);
    return handler(recorded, reply);
  }
}

function record(req: FastifyRequest): RecordedRequest {
  return { path: req.url, headers: { ...req.headers }, body: req.body };
}

/** RFC 6749 §2.3.1 as a server reads it: base64, split at the first colon, then form-decode. */
export function basicCredentials(header: string | undefined): { id: string; secret: string } | undefined {
  const encoded = /^Basic (.+)$/.exec(header ?? '')?.[1];
  if (!encoded) return undefined;
  const decoded = Buffer.from(encoded, 'base64').toString();
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  const formDecode = (value: string) => new URLSearchParams(`v=${value}`).get('v') ?? '';
  return { id: formDecode(decoded.slice(0, colon)), secret: formDecode(decoded.slice(colon + 1)) };
}

/** A CAMARA error answer `{ status, code, message }`, with optional extra headers. */
export function camara(status: number, code: string, message = `${code} from the mock operator`, headers: Record<string, string> = {}): OperatorHandler {
  return (_req, reply) => reply.code(status).headers(headers).send({ status, code, message });
}

/** A 200 answer with `body`, echoing the request's x-correlator as CAMARA gateways do. */
export function answer(body: unknown): OperatorHandler {
  return (req, reply) => {
    const correlator = req.headers['x-correlator'];
    if (typeof correlator === 'string') void reply.header('x-correlator', correlator);
    return reply.code(200).send(body);
  };
}

/** The connection dies before any answer: what a crashing gateway or a load balancer reset looks like. */
export function drop(): OperatorHandler {
  return (_req, reply) => {
    void reply.hijack();
    reply.raw.socket?.destroy();
  };
}

/** A client-credentials source for `operator`, with the credentials it accepts. */
export function tokensFor(operator: MockOperator, now?: () => number): ClientCredentialsTokenSource {
  return new ClientCredentialsTokenSource({ tokenUrl: operator.tokenUrl, clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, now });
}

/** The `scope` parameter of the token request at `index`, as a sorted list. */
export function requestedScopes(operator: MockOperator, index = 0): string[] {
  return (operator.tokenRequests[index].body as { scope: string }).scope.split(' ').sort();
}

/**
 * A mock operator for the enclosing describe block: started once, reset before each test,
 * with Nest's warn and debug lines kept out of the test output. Returns the running operator.
 */
export function useMockOperator(): () => MockOperator {
  let operator: MockOperator;
  beforeAll(async () => {
    operator = await MockOperator.start();
  });
  afterAll(async () => {
    await operator.close();
  });
  beforeEach(() => {
    operator.reset();
    jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    jest.spyOn(Logger.prototype, 'debug').mockImplementation(() => undefined);
  });
  afterEach(() => jest.restoreAllMocks());
  return () => operator;
}
