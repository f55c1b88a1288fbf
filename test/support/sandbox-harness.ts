import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FastifyInstance } from 'fastify';
import { FixedClock } from '../../src/common/time/clock';
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
  close(): Promise<void>;
}

export interface SandboxOptions {
  lines: unknown[];
  now: Date;
  env?: Record<string, string>;
  random?: () => number;
}

/** Starts createSandboxServer on a loopback port 0, with the lines in a temporary file. */
export async function startSandbox(options: SandboxOptions): Promise<Sandbox> {
  const dir = mkdtempSync(join(tmpdir(), 'linetrust-sandbox-'));
  const file = join(dir, 'lines.json');
  writeFileSync(file, JSON.stringify({ lines: options.lines }));
  const clock = new FixedClock(options.now);
  const logs = new LogCapture();
  let server: FastifyInstance;
  try {
    const config = loadSandboxConfig({ SANDBOX_LINES_FILE: file, ...options.env });
    server = createSandboxServer({ config, clock, logger: logs, random: options.random });
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

  return {
    url,
    clock,
    logs,
    server,
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
