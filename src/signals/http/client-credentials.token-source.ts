import { Logger } from '@nestjs/common';
import { isTransientHttpStatus } from '../camara-result';

/**
 * CAMARA's purpose scope for fraud prevention (ICM Security and Interoperability Profile): the
 * operator grants API scopes for a declared purpose, so every token request carries it.
 */
export const FRAUD_PREVENTION_PURPOSE = 'dpv:FraudPreventionAndDetection';

/** What a token request may use besides the scopes. */
export interface AccessTokenContext {
  /** The caller stops waiting when this aborts (its timeout or the decision's deadline). */
  abortSignal?: AbortSignal;
  /** The subject of the call, for a source whose tokens are bound to one number (CIBA). */
  phoneNumber?: string;
}

/**
 * Where a CAMARA client gets its bearer tokens.
 *
 * A 3-legged source (CIBA, as the CAMARA ICM profile describes it) plugs in behind the same
 * interface: `token()` sends a backchannel authentication request with `scope` (API scopes and
 * purpose) and `login_hint=tel:<phoneNumber>` from the context, then polls the token endpoint
 * with `grant_type=urn:openid:params:grant-type:ciba` and the `auth_req_id` until the holder has
 * consented; it caches the token per number and scope set. Such a token is bound to the number,
 * and CAMARA then forbids `phoneNumber` in the body (422 UNNECESSARY_IDENTIFIER), so that
 * source sets `identifiesSubject` and the clients leave `phoneNumber` out.
 */
export interface AccessTokenSource {
  /** True when the token itself names the subject (3-legged): the body must omit phoneNumber. */
  readonly identifiesSubject?: boolean;
  /** A token valid for `scopes`; throws `TokenRequestError` when none can be had. */
  token(scopes: readonly string[], ctx?: AccessTokenContext): Promise<string>;
  /** Forget `token` (the API answered 401 with it), so the next `token()` fetches a new one. */
  invalidate(scopes: readonly string[], token: string): void;
}

/** No token could be had. `configurationFault` means credentials or scopes are wrong. */
export class TokenRequestError extends Error {
  constructor(
    message: string,
    readonly retryable: boolean,
    readonly configurationFault = false,
  ) {
    super(message);
    this.name = 'TokenRequestError';
  }
}

export interface ClientCredentialsOptions {
  tokenUrl: string;
  clientId: string;
  clientSecret: string;
  /** Wall-clock milliseconds; injected so tests can cross an expiry without sleeping. */
  now?: () => number;
  fetch?: typeof fetch;
  /** The shared fetch's own limit: no single caller's abort may cancel it for the others. */
  requestTimeoutMs?: number;
}

interface CachedToken {
  token: string;
  refreshAt: number;
}

/** Refresh this long before expiry, so a token never expires between fetch and use. */
const MAX_REFRESH_MARGIN_MS = 30_000;
const REFRESH_MARGIN_FRACTION = 0.1;
/** RFC 6749 makes expires_in only RECOMMENDED; without it, keep the token briefly. */
const DEFAULT_LIFETIME_S = 300;

/**
 * OAuth2 client credentials (RFC 6749 §4.4) against the operator's token endpoint. One token per
 * scope set, cached until shortly before it expires; callers arriving while a token is being
 * fetched share that one request, so a burst of decisions costs one token call.
 */
export class ClientCredentialsTokenSource implements AccessTokenSource {
  private readonly logger = new Logger(ClientCredentialsTokenSource.name);
  private readonly cache = new Map<string, CachedToken>();
  private readonly inFlight = new Map<string, Promise<string>>();
  private readonly now: () => number;
  private readonly fetchFn: typeof fetch;

  constructor(private readonly options: ClientCredentialsOptions) {
    new URL(options.tokenUrl); // a malformed URL is a start-up error, not a per-call failure
    this.now = options.now ?? Date.now;
    this.fetchFn = options.fetch ?? fetch;
  }

  async token(scopes: readonly string[], ctx?: AccessTokenContext): Promise<string> {
    const scope = scopeParameter(scopes);
    const cached = this.cache.get(scope);
    if (cached && this.now() < cached.refreshAt) return cached.token;
    // A caller that has already given up starts no fetch: nobody would wait for its outcome.
    if (ctx?.abortSignal?.aborted) throw new TokenRequestError('timeout/aborted while waiting for a token', true);
    let pending = this.inFlight.get(scope);
    if (!pending) {
      pending = this.fetchToken(scope);
      // The shared fetch outlives callers that stop waiting; its failure is theirs to report,
      // and must never surface as an unhandled rejection (which ends the process).
      pending.catch(() => undefined);
      this.inFlight.set(scope, pending);
    }
    return raceAbort(pending, ctx?.abortSignal);
  }

  invalidate(scopes: readonly string[], token: string): void {
    const scope = scopeParameter(scopes);
    // Only the rejected token: a concurrent caller may already have cached its successor.
    if (this.cache.get(scope)?.token === token) this.cache.delete(scope);
  }

  private async fetchToken(scope: string): Promise<string> {
    try {
      const requestedAt = this.now();
      const response = await this.post(scope);
      const body = await readJson(response);
      if (!response.ok) throw endpointError(response.status, body);
      const { token, lifetimeS } = parseTokenResponse(body);
      const lifetimeMs = lifetimeS * 1000;
      const margin = Math.min(MAX_REFRESH_MARGIN_MS, lifetimeMs * REFRESH_MARGIN_FRACTION);
      this.cache.set(scope, { token, refreshAt: requestedAt + lifetimeMs - margin });
      this.logger.debug(`Token for scope "${scope}" fetched, expires in ${lifetimeS} s`);
      return token;
    } finally {
      this.inFlight.delete(scope);
    }
  }

  private async post(scope: string): Promise<Response> {
    const { tokenUrl, clientId, clientSecret, requestTimeoutMs = 10_000 } = this.options;
    // RFC 6749 §2.3.1: id and secret are form-encoded before they are joined and base64-encoded.
    const basic = Buffer.from(`${formEncode(clientId)}:${formEncode(clientSecret)}`).toString('base64');
    try {
      return await this.fetchFn(tokenUrl, {
        method: 'POST',
        headers: {
          authorization: `Basic ${basic}`,
          'content-type': 'application/x-www-form-urlencoded',
          accept: 'application/json',
        },
        body: new URLSearchParams({ grant_type: 'client_credentials', scope }).toString(),
        signal: AbortSignal.timeout(requestTimeoutMs),
        redirect: 'error',
      });
    } catch (error) {
      throw new TokenRequestError(`token endpoint unreachable: ${describeFetchError(error)}`, true);
    }
  }
}

/** The `scope` parameter: API scopes plus the purpose, in a stable order so it keys the cache. */
function scopeParameter(scopes: readonly string[]): string {
  return [...new Set([...scopes, FRAUD_PREVENTION_PURPOSE])].sort().join(' ');
}

function formEncode(value: string): string {
  return new URLSearchParams({ v: value }).toString().slice(2);
}

async function readJson(response: Response): Promise<unknown> {
  try {
    return JSON.parse(await response.text());
  } catch {
    return undefined;
  }
}

/** RFC 6749 §5.2 errors: bad credentials or scopes are our configuration, not the network. */
function endpointError(status: number, body: unknown): TokenRequestError {
  const record = (body ?? {}) as Record<string, unknown>;
  const code = typeof record.error === 'string' ? record.error : 'no OAuth error body';
  const description = typeof record.error_description === 'string' ? `: ${record.error_description}` : '';
  const what = `token endpoint ${status} ${code}${description}`;
  if (isTransientHttpStatus(status)) return new TokenRequestError(what, true);
  return new TokenRequestError(`configuration fault: ${what}`, false, true);
}

function parseTokenResponse(body: unknown): { token: string; lifetimeS: number } {
  const record = (body ?? {}) as Record<string, unknown>;
  const token = record.access_token;
  if (typeof token !== 'string' || token === '') {
    throw new TokenRequestError('token endpoint answered 200 without an access_token', false, true);
  }
  // RFC 6750 bearer tokens are what CAMARA APIs accept; anything else cannot be used.
  if (typeof record.token_type === 'string' && record.token_type.toLowerCase() !== 'bearer') {
    throw new TokenRequestError(`token endpoint issued a ${record.token_type} token, not Bearer`, false, true);
  }
  // Some gateways send expires_in as a string ("3600"); the value is what matters.
  const expiresIn = Number(record.expires_in);
  const lifetimeS = Number.isFinite(expiresIn) && expiresIn > 0 ? expiresIn : DEFAULT_LIFETIME_S;
  return { token, lifetimeS };
}

/**
 * Undici reports the socket's error code (ECONNREFUSED, ECONNRESET, UND_ERR_SOCKET...) as the
 * cause. Duck-typed: fetch's errors may come from another realm, where `instanceof Error` fails.
 */
export function describeFetchError(error: unknown): string {
  const { name, message, cause } = (error ?? {}) as { name?: unknown; message?: unknown; cause?: unknown };
  if (typeof message !== 'string') return String(error);
  if (name === 'TimeoutError') return 'timeout';
  const { code, message: causeMessage } = (cause ?? {}) as { code?: unknown; message?: unknown };
  if (typeof code === 'string') return `${code} (${message})`;
  if (typeof causeMessage === 'string') return `${causeMessage} (${message})`;
  return message;
}

/** Lets one caller stop waiting for a shared fetch without cancelling it for the others. */
function raceAbort<T>(shared: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return shared;
  const aborted = () => new TokenRequestError('timeout/aborted while waiting for a token', true);
  if (signal.aborted) return Promise.reject(aborted());
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(aborted());
    signal.addEventListener('abort', onAbort, { once: true });
    shared.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}
