import { isTransientHttpStatus } from '../../camara-result';
import { ClientAuthentication } from './client-auth';

/** No token could be had. `configurationFault` means credentials, keys or scopes are wrong. */
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

/**
 * The subscriber's 3-legged flow has not finished (CIBA `authorization_pending`): an answer
 * about this subscriber, not a failure of the gateway.
 */
export class ConsentPendingError extends TokenRequestError {
  constructor(message: string) {
    super(message, false);
    this.name = 'ConsentPendingError';
  }
}

/**
 * The gateway answered for this subscriber: consent denied or opted out (`access_denied`),
 * or not one of its subscribers (`unknown_user_id`). Not retried, not the gateway's fault.
 */
export class SubscriberRefusedError extends TokenRequestError {
  constructor(
    message: string,
    readonly kind: 'consent' | 'unknown_subscriber',
  ) {
    super(message, false);
    this.name = 'SubscriberRefusedError';
  }
}

/** An OAuth endpoint's answer: the JSON body (or undefined) and its HTTP status. */
export interface OAuthResponse {
  status: number;
  body: Record<string, unknown>;
}

export interface OAuthPost {
  url: string;
  form: URLSearchParams;
  auth: ClientAuthentication;
  timeoutMs: number;
  fetch: typeof fetch;
}

/**
 * POSTs a form to a token or bc-authorize endpoint with the client's authentication. Network
 * failures become a retryable TokenRequestError; HTTP errors are returned for the flow to read.
 */
export async function postOAuthForm({ url, form, auth, timeoutMs, fetch: fetchFn }: OAuthPost): Promise<OAuthResponse> {
  const headers: Record<string, string> = {
    'content-type': 'application/x-www-form-urlencoded',
    accept: 'application/json',
  };
  try {
    await auth.apply(url, form, headers);
  } catch (error) {
    throw new TokenRequestError(`configuration fault: cannot sign the ${auth.method} credentials: ${(error as Error).message}`, false, true);
  }
  let response: Response;
  try {
    response = await fetchFn(url, {
      method: 'POST',
      headers,
      body: form.toString(),
      signal: AbortSignal.timeout(timeoutMs),
      // Credentials and the login_hint number go to the endpoint configured, nowhere else.
      redirect: 'error',
    });
  } catch (error) {
    throw new TokenRequestError(`${endpointName(url)} unreachable: ${describeFetchError(error)}`, true);
  }
  let body: unknown;
  try {
    body = JSON.parse(await response.text());
  } catch {
    body = undefined;
  }
  const record = body !== null && typeof body === 'object' && !Array.isArray(body) ? (body as Record<string, unknown>) : {};
  return { status: response.status, body: record };
}

/** RFC 6749 §5.2 `error` of an answer, or a stand-in when the body has none. */
export function oauthErrorCode(response: OAuthResponse): string {
  return typeof response.body.error === 'string' ? response.body.error : 'no OAuth error body';
}

/**
 * An error answer of the endpoint as a TokenRequestError: transient statuses may be retried;
 * anything else (invalid_client, invalid_scope, unsupported_grant_type...) is our configuration.
 */
export function endpointError(url: string, response: OAuthResponse): TokenRequestError {
  const description = typeof response.body.error_description === 'string' ? `: ${response.body.error_description}` : '';
  const what = `${endpointName(url)} ${response.status} ${oauthErrorCode(response)}${description}`;
  if (isTransientHttpStatus(response.status)) return new TokenRequestError(what, true);
  return new TokenRequestError(`configuration fault: ${what}`, false, true);
}

/** RFC 6749 makes expires_in only RECOMMENDED; without it, keep the token briefly. */
const DEFAULT_LIFETIME_S = 300;

/** A 200 token response: the bearer token and its lifetime in seconds. */
export function parseTokenResponse(body: Record<string, unknown>): { token: string; lifetimeS: number } {
  const token = body.access_token;
  if (typeof token !== 'string' || token === '') {
    throw new TokenRequestError('token endpoint answered 200 without an access_token', false, true);
  }
  // RFC 6750 bearer tokens are what CAMARA APIs accept; anything else cannot be used.
  if (typeof body.token_type === 'string' && body.token_type.toLowerCase() !== 'bearer') {
    throw new TokenRequestError(`token endpoint issued a ${body.token_type} token, not Bearer`, false, true);
  }
  // Some gateways send expires_in as a string ("3600"); the value is what matters.
  const expiresIn = Number(body.expires_in);
  const lifetimeS = Number.isFinite(expiresIn) && expiresIn > 0 ? expiresIn : DEFAULT_LIFETIME_S;
  return { token, lifetimeS };
}

/** Refresh this long before expiry, so a token never expires between fetch and use. */
const MAX_REFRESH_MARGIN_MS = 30_000;
const REFRESH_MARGIN_FRACTION = 0.1;

/** When a token fetched at `requestedAt` should be replaced: shortly before it expires. */
export function refreshAt(requestedAt: number, lifetimeS: number): number {
  const lifetimeMs = lifetimeS * 1000;
  return requestedAt + lifetimeMs - Math.min(MAX_REFRESH_MARGIN_MS, lifetimeMs * REFRESH_MARGIN_FRACTION);
}

/** `token endpoint`, `bc-authorize endpoint`: which one failed, without the URL's query. */
function endpointName(url: string): string {
  return /bc-authorize/i.test(url) ? 'bc-authorize endpoint' : 'token endpoint';
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
export function raceAbort<T>(shared: Promise<T>, signal: AbortSignal | undefined, aborted: () => Error): Promise<T> {
  if (!signal) return shared;
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
