import { Logger } from '@nestjs/common';
import { ClientAuthentication, clientSecretBasic } from './oauth/client-auth';
import {
  endpointError,
  parseTokenResponse,
  postOAuthForm,
  raceAbort,
  refreshAt,
  TokenRequestError,
} from './oauth/oauth-endpoint';

export { describeFetchError, TokenRequestError } from './oauth/oauth-endpoint';

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
  invalidate(scopes: readonly string[], token: string, ctx?: AccessTokenContext): void;
}

export interface ClientCredentialsOptions {
  tokenUrl: string;
  /** How the client authenticates; HTTP Basic with clientId and clientSecret when absent. */
  clientAuth?: ClientAuthentication;
  clientId?: string;
  clientSecret?: string;
  /**
   * The purpose added to every scope request (default dpv:FraudPreventionAndDetection); null
   * when the scopes given already carry it (a gateway profile composes them).
   */
  purpose?: string | null;
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
  private readonly clientAuth: ClientAuthentication;

  constructor(private readonly options: ClientCredentialsOptions) {
    new URL(options.tokenUrl); // a malformed URL is a start-up error, not a per-call failure
    this.now = options.now ?? Date.now;
    this.fetchFn = options.fetch ?? fetch;
    if (options.clientAuth) this.clientAuth = options.clientAuth;
    else if (options.clientId !== undefined && options.clientSecret !== undefined) {
      this.clientAuth = clientSecretBasic(options.clientId, options.clientSecret);
    } else throw new Error('client credentials need clientAuth, or clientId and clientSecret');
  }

  async token(scopes: readonly string[], ctx?: AccessTokenContext): Promise<string> {
    const scope = this.scopeParameter(scopes);
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
    return raceAbort(pending, ctx?.abortSignal, () => new TokenRequestError('timeout/aborted while waiting for a token', true));
  }

  invalidate(scopes: readonly string[], token: string): void {
    const scope = this.scopeParameter(scopes);
    // Only the rejected token: a concurrent caller may already have cached its successor.
    if (this.cache.get(scope)?.token === token) this.cache.delete(scope);
  }

  private async fetchToken(scope: string): Promise<string> {
    try {
      const requestedAt = this.now();
      const { tokenUrl, requestTimeoutMs = 10_000 } = this.options;
      const response = await postOAuthForm({
        url: tokenUrl,
        form: new URLSearchParams({ grant_type: 'client_credentials', scope }),
        auth: this.clientAuth,
        timeoutMs: requestTimeoutMs,
        fetch: this.fetchFn,
      });
      if (response.status !== 200) throw endpointError(tokenUrl, response);
      const { token, lifetimeS } = parseTokenResponse(response.body);
      this.cache.set(scope, { token, refreshAt: refreshAt(requestedAt, lifetimeS) });
      // Stryker disable next-line StringLiteral: the wording of a debug line, which no behaviour depends on
      this.logger.debug(`Token for scope "${scope}" fetched, expires in ${lifetimeS} s`);
      return token;
    } finally {
      this.inFlight.delete(scope);
    }
  }

  /** The `scope` parameter: API scopes plus the purpose, in a stable order so it keys the cache. */
  private scopeParameter(scopes: readonly string[]): string {
    const purpose = this.options.purpose === undefined ? FRAUD_PREVENTION_PURPOSE : this.options.purpose;
    return [...new Set(purpose === null ? scopes : [...scopes, purpose])].sort().join(' ');
  }
}

