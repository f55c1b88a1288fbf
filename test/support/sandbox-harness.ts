import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { FastifyInstance } from 'fastify';
import { exportPKCS8, exportSPKI, generateKeyPair, importPKCS8, JWTPayload, SignJWT } from 'jose';
import { Clock, FixedClock } from '../../src/common/time/clock';
import { ProfileName } from '../../src/sandbox/profiles';
import { loadSandboxConfig } from '../../src/sandbox/sandbox-config';
import { createSandboxServer } from '../../src/sandbox/sandbox-server';
import { CapturingLogger } from './test-app';

export const CLIENT_ID = 'linetrust-sandbox';
export const CLIENT_SECRET = 'linetrust-sandbox-secret';
export const ALL_SCOPES =
  'kyc-tenure:check-tenure number-recycling:check sim-swap:check sim-swap:retrieve-date device-swap:check device-swap:retrieve-date';

/** Log lines kept in memory; `waitFor` resolves when a matching line is logged (no polling). */
export class LogCapture extends CapturingLogger {
  private readonly waiters: { pattern: RegExp; resolve: () => void }[] = [];

  override log(message: unknown, ...rest: unknown[]): void {
    super.log(message, ...rest);
    const line = this.lines[this.lines.length - 1];
    for (const waiter of this.waiters.filter((w) => w.pattern.test(line))) {
      this.waiters.splice(this.waiters.indexOf(waiter), 1);
      waiter.resolve();
    }
  }

  waitFor(pattern: RegExp): Promise<void> {
    if (this.lines.some((line) => pattern.test(line))) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ pattern, resolve }));
  }
}

export interface SandboxResponse {
  status: number;
  headers: Headers;
  body: any;
}

export interface CallOptions {
  token?: string;
  /** An object is sent as JSON; a string is sent as is; undefined sends no body. */
  body?: unknown;
  headers?: Record<string, string>;
}

export interface Sandbox {
  url: string;
  clock: FixedClock;
  logs: LogCapture;
  server: FastifyInstance;
  post(path: string, options?: CallOptions): Promise<SandboxResponse>;
  request(method: string, path: string, options?: CallOptions): Promise<SandboxResponse>;
  /** A token for `scope` (all API scopes by default), 3-legged when `phoneNumber` is given. */
  token(scope?: string, phoneNumber?: string): Promise<string>;
  /** Raw token endpoint call with form fields and optional HTTP Basic credentials. */
  tokenRequest(form: Record<string, string>, basic?: [string, string]): Promise<SandboxResponse>;
  /** A form-encoded POST to any path (bc-authorize, another profile's token endpoint). */
  form(path: string, form: Record<string, string>, options?: FormOptions): Promise<SandboxResponse>;
  /** Every request the server received, in order (404s included). */
  requests: { method: string; path: string }[];
  /** How many requests `path` received (any method, unless one is given). */
  hits(path: string, method?: string): number;
  close(): Promise<void>;
}

export interface FormOptions {
  /** HTTP Basic client credentials. */
  basic?: [string, string];
  headers?: Record<string, string>;
}

export interface SandboxOptions {
  lines: unknown[];
  now: Date;
  env?: Record<string, string>;
  random?: () => number;
  /** The gateway to play (SANDBOX_PROFILE); default camara. */
  profile?: ProfileName;
  /** Monotonic milliseconds for CIBA timings: a `ManualTicks`'s `now`, to step time by hand. */
  ticks?: () => number;
  /** Wall clock for client JWTs' exp and iat; default the system clock. */
  jwtClock?: Clock;
}

/** A monotonic clock the test moves: `ticks.advance(2000)` is two seconds later for CIBA. */
export class ManualTicks {
  private current = 1_000;
  readonly now = (): number => this.current;

  advance(ms: number): void {
    this.current += ms;
  }
}

/** Starts createSandboxServer on a loopback port 0, with the lines in a temporary file. */
export async function startSandbox(options: SandboxOptions): Promise<Sandbox> {
  const dir = mkdtempSync(join(tmpdir(), 'linetrust-sandbox-'));
  const file = join(dir, 'lines.json');
  writeFileSync(file, JSON.stringify({ lines: options.lines }));
  const clock = new FixedClock(options.now);
  const logs = new LogCapture();
  const requests: { method: string; path: string }[] = [];
  let server: FastifyInstance;
  try {
    const profileEnv = options.profile ? { SANDBOX_PROFILE: options.profile } : {};
    const config = loadSandboxConfig({ SANDBOX_LINES_FILE: file, ...profileEnv, ...options.env });
    server = createSandboxServer({ config, clock, logger: logs, random: options.random, ticks: options.ticks, jwtClock: options.jwtClock });
    server.addHook('onRequest', async (request) => {
      requests.push({ method: request.method, path: request.url.split('?')[0] });
    });
    await server.listen({ port: 0, host: '127.0.0.1' });
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  const address = server.server.address();
  if (address === null || typeof address === 'string') throw new Error('sandbox is not listening on TCP');
  const url = `http://127.0.0.1:${address.port}`;

  const request = async (method: string, path: string, call: CallOptions = {}): Promise<SandboxResponse> => {
    const headers: Record<string, string> = { ...call.headers };
    if (call.token !== undefined) headers.authorization = `Bearer ${call.token}`;
    let body: string | undefined;
    if (typeof call.body === 'string') body = call.body;
    else if (call.body !== undefined) {
      body = JSON.stringify(call.body);
      headers['content-type'] ??= 'application/json';
    }
    const response = await fetch(`${url}${path}`, { method, headers, body });
    const text = await response.text();
    const json = (response.headers.get('content-type') ?? '').startsWith('application/json');
    return { status: response.status, headers: response.headers, body: json ? JSON.parse(text) : text };
  };

  const tokenRequest = (form: Record<string, string>, basic?: [string, string]) => {
    const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded' };
    if (basic) headers.authorization = `Basic ${Buffer.from(`${basic[0]}:${basic[1]}`).toString('base64')}`;
    return request('POST', '/oauth2/token', { headers, body: new URLSearchParams(form).toString() });
  };

  const form = (path: string, fields: Record<string, string>, call: FormOptions = {}) => {
    const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded', ...call.headers };
    if (call.basic) headers.authorization = `Basic ${Buffer.from(`${call.basic[0]}:${call.basic[1]}`).toString('base64')}`;
    return request('POST', path, { headers, body: new URLSearchParams(fields).toString() });
  };

  return {
    url,
    clock,
    logs,
    server,
    requests,
    hits: (path, method) => requests.filter((seen) => seen.path === path && (method === undefined || seen.method === method)).length,
    form,
    request,
    post: (path, call) => request('POST', path, call),
    tokenRequest,
    token: async (scope = ALL_SCOPES, phoneNumber?: string) => {
      const form: Record<string, string> = { grant_type: 'client_credentials', scope };
      if (phoneNumber) form.login_hint = `tel:${phoneNumber}`;
      const response = await tokenRequest(form, [CLIENT_ID, CLIENT_SECRET]);
      if (response.status !== 200) throw new Error(`token request failed: ${JSON.stringify(response.body)}`);
      return response.body.access_token as string;
    },
    close: async () => {
      try {
        await server.close();
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}

/** The CAMARA error body every error response must carry. */
export function expectCamaraError(response: SandboxResponse, status: number, code: string): void {
  expect({ status: response.status, body: response.body }).toEqual({
    status,
    body: { status, code, message: expect.stringMatching(/\w+/) },
  });
  expect(response.headers.get('content-type')).toMatch(/^application\/json/);
}

/**
 * Service settings for SIM Swap from an operator API nobody answers (a closed port), with
 * tokens from the sandbox server: two failed queries open its circuit for `openMs`.
 */
export function deadSimSwapEnv(sandbox: Sandbox, openMs: number): Record<string, string> {
  return {
    SIM_SWAP_API_URL: 'http://127.0.0.1:1',
    OPERATOR_TOKEN_URL: `${sandbox.url}/oauth2/token`,
    OPERATOR_CLIENT_ID: CLIENT_ID,
    OPERATOR_CLIENT_SECRET: CLIENT_SECRET,
    SIGNAL_MAX_ATTEMPTS: '1',
    CIRCUIT_FAILURE_THRESHOLD: '2',
    CIRCUIT_OPEN_MS: String(openMs),
  };
}

export type SigningAlg = 'RS256' | 'ES256';

/** A client key pair, as PEM strings and as files in a fresh temporary directory. */
export interface ClientKeys {
  alg: SigningAlg;
  privateKeyPem: string;
  publicKeyPem: string;
  privateKeyFile: string;
  /** For SANDBOX_CLIENT_PUBLIC_KEYS. */
  publicKeyFile: string;
  /** The temporary directory holding both files. */
  dir: string;
}

/** A new RS256 or ES256 key pair written to a temporary directory (jose generateKeyPair). */
export async function generateClientKeys(alg: SigningAlg): Promise<ClientKeys> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  const privateKeyPem = await exportPKCS8(privateKey);
  const publicKeyPem = await exportSPKI(publicKey);
  const dir = mkdtempSync(join(tmpdir(), 'linetrust-client-keys-'));
  const privateKeyFile = join(dir, 'client-private.pem');
  const publicKeyFile = join(dir, 'client-public.pem');
  writeFileSync(privateKeyFile, privateKeyPem, { mode: 0o600 });
  writeFileSync(publicKeyFile, publicKeyPem);
  return { alg, privateKeyPem, publicKeyPem, privateKeyFile, publicKeyFile, dir };
}

/** Signs exactly `claims` (nothing added) with the client's private key. */
export async function signJwt(keys: Pick<ClientKeys, 'alg' | 'privateKeyPem'>, claims: JWTPayload, header: { kid?: string } = {}): Promise<string> {
  const key = await importPKCS8(keys.privateKeyPem, keys.alg);
  return new SignJWT(claims).setProtectedHeader({ alg: keys.alg, typ: 'JWT', ...header }).sign(key);
}

/**
 * The claims of an RFC 7523 assertion issued now (system clock) for `lifetimeS` seconds, with
 * a fresh jti: a client assertion (`sub` = client id) or a JWT-Bearer grant (`sub` = tel:+E164).
 */
export function assertionClaims(claims: { iss: string; sub: string; aud: string }, lifetimeS = 60, nowS = Math.floor(Date.now() / 1000)): JWTPayload {
  return { ...claims, iat: nowS, exp: nowS + lifetimeS, jti: randomUUID() };
}

/** Client authentication for one form request to `path`: form fields, headers or HTTP Basic. */
export type ClientAuth = (path: string) => Promise<FormOptions & { fields?: Record<string, string> }>;

/** client_secret_basic with the sandbox's default client. */
export const basicAuth: ClientAuth = async () => ({ basic: [CLIENT_ID, CLIENT_SECRET] });

/** private_key_jwt: a fresh client assertion whose aud is the endpoint called. */
export function privateKeyJwtAuth(sandbox: Pick<Sandbox, 'url'>, keys: ClientKeys, clientId = CLIENT_ID): ClientAuth {
  return async (path) => ({
    fields: {
      client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
      client_assertion: await signJwt(keys, assertionClaims({ iss: clientId, sub: clientId, aud: `${sandbox.url}${path}` })),
    },
  });
}

/** Vonage's application JWT (RS256) in `Authorization: Bearer`. */
export function applicationJwtAuth(keys: ClientKeys, applicationId = CLIENT_ID, lifetimeS = 900): ClientAuth {
  return async () => {
    const iat = Math.floor(Date.now() / 1000);
    const jwt = await signJwt(keys, { application_id: applicationId, iat, exp: iat + lifetimeS, jti: randomUUID() });
    return { headers: { authorization: `Bearer ${jwt}` } };
  };
}

export interface CibaFlowOptions {
  authorizePath: string;
  tokenPath: string;
  phoneNumber: string;
  scope: string;
  auth: ClientAuth;
  /** Stepped by the interval before each poll, so the flow never sleeps. */
  ticks?: ManualTicks;
  maxPolls?: number;
}

/**
 * CIBA poll mode to its end: bc-authorize, then polls `interval` apart (plus 5 s after each
 * slow_down) until an answer other than authorization_pending. Returns the last response: the
 * bc-authorize refusal, the token, or the poll's final error.
 */
export async function cibaFlow(sandbox: Sandbox, options: CibaFlowOptions): Promise<SandboxResponse> {
  const send = async (path: string, fields: Record<string, string>) => {
    const auth = await options.auth(path);
    return sandbox.form(path, { ...fields, ...auth.fields }, auth);
  };
  const started = await send(options.authorizePath, { scope: options.scope, login_hint: `tel:${options.phoneNumber}` });
  if (started.status !== 200) return started;
  let interval = started.body.interval as number;
  for (let poll = 0; poll < (options.maxPolls ?? 10); poll++) {
    options.ticks?.advance(interval * 1000);
    const answer = await send(options.tokenPath, { grant_type: 'urn:openid:params:grant-type:ciba', auth_req_id: started.body.auth_req_id });
    if (answer.body.error === 'slow_down') interval += 5;
    else if (answer.body.error !== 'authorization_pending') return answer;
  }
  throw new Error('CIBA flow still pending after maxPolls polls');
}
