import { setTimeout as sleepFor } from 'node:timers/promises';
import { ClientAuthentication } from './client-auth';
import {
  endpointError,
  oauthErrorCode,
  OAuthResponse,
  parseTokenResponse,
  postOAuthForm,
  SubscriberRefusedError,
  TokenRequestError,
} from './oauth-endpoint';
import { SubscriberFlow } from './subscriber-token.source';

export const CIBA_GRANT_TYPE = 'urn:openid:params:grant-type:ciba';

export interface CibaOptions {
  authorizeUrl: string;
  tokenUrl: string;
  clientAuth: ClientAuthentication;
  /** Limit of each HTTP request of the flow (bc-authorize, each poll). */
  requestTimeoutMs: number;
  fetch?: typeof fetch;
  /** Waits between polls; injected so tests run a whole flow without waiting. */
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
}

/** CIBA core §7.3: `interval` is optional and defaults to 5 seconds. */
const DEFAULT_INTERVAL_S = 5;
/** CIBA core §11: `slow_down` asks for the interval to grow by at least 5 seconds. */
const SLOW_DOWN_S = 5;

/**
 * OpenID CIBA in poll mode, as the CAMARA ICM profile and Telefónica, Orange, Vonage and
 * Vodafone run it: bc-authorize with `login_hint=tel:+E164`, then the ciba grant at the token
 * endpoint every `interval` seconds until the holder has answered or the request expired.
 */
export class CibaFlow implements SubscriberFlow {
  readonly name = 'ciba';
  private readonly fetchFn: typeof fetch;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly now: () => number;

  constructor(private readonly options: CibaOptions) {
    new URL(options.authorizeUrl);
    new URL(options.tokenUrl);
    this.fetchFn = options.fetch ?? fetch;
    // Unref'd: a flow still polling must not keep a stopping process alive.
    this.sleep = options.sleep ?? ((ms) => sleepFor(ms, undefined, { ref: false }));
    this.now = options.now ?? Date.now;
  }

  async run(phoneNumber: string, scope: string): Promise<{ token: string; lifetimeS: number }> {
    const started = await this.post(this.options.authorizeUrl, { scope, login_hint: `tel:${phoneNumber}` });
    if (started.status !== 200) throw this.refusal(this.options.authorizeUrl, started);
    const authReqId = started.body.auth_req_id;
    if (typeof authReqId !== 'string' || authReqId === '') {
      throw new TokenRequestError('configuration fault: bc-authorize answered 200 without an auth_req_id', false, true);
    }
    const expiresAt = this.now() + positive(started.body.expires_in, 120) * 1000;
    let intervalS = positive(started.body.interval, DEFAULT_INTERVAL_S, true);
    for (;;) {
      await this.sleep(intervalS * 1000);
      if (this.now() >= expiresAt) throw new TokenRequestError('the holder did not answer before the CIBA request expired', false);
      let polled: OAuthResponse;
      try {
        polled = await this.post(this.options.tokenUrl, { grant_type: CIBA_GRANT_TYPE, auth_req_id: authReqId });
      } catch (error) {
        // A lost poll loses nothing: the request lives at the gateway until it expires.
        if (error instanceof TokenRequestError && error.retryable) continue;
        throw error;
      }
      if (polled.status === 200) return parseTokenResponse(polled.body);
      const code = oauthErrorCode(polled);
      if (code === 'authorization_pending') continue;
      if (code === 'slow_down') {
        intervalS += SLOW_DOWN_S;
        continue;
      }
      if (code === 'expired_token') throw new TokenRequestError('the holder did not answer before the CIBA request expired', false);
      const refused = this.refusal(this.options.tokenUrl, polled);
      // 5xx and 429 at one poll: the gateway hiccupped, the request may still be answered.
      if (!(refused instanceof SubscriberRefusedError) && refused.retryable) continue;
      throw refused;
    }
  }

  private post(url: string, fields: Record<string, string>): Promise<OAuthResponse> {
    return postOAuthForm({
      url,
      form: new URLSearchParams(fields),
      auth: this.options.clientAuth,
      timeoutMs: this.options.requestTimeoutMs,
      fetch: this.fetchFn,
    });
  }

  /** The holder's own answers are per-subscriber refusals; anything else is the endpoint's error. */
  private refusal(url: string, response: OAuthResponse): TokenRequestError {
    const code = oauthErrorCode(response);
    const description = typeof response.body.error_description === 'string' ? `: ${response.body.error_description}` : '';
    if (code === 'access_denied') return new SubscriberRefusedError(`access_denied${description}`, 'consent');
    if (code === 'unknown_user_id') return new SubscriberRefusedError(`unknown_user_id${description}`, 'unknown_subscriber');
    return endpointError(url, response);
  }
}

function positive(value: unknown, fallback: number, allowZero = false): number {
  const number = Number(value);
  return Number.isFinite(number) && (number > 0 || (allowZero && number === 0)) ? number : fallback;
}
