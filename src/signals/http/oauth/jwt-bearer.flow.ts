import { randomUUID } from 'node:crypto';
import { SignJWT } from 'jose';
import { checkLifetime, ClientAuthentication, SigningKey } from './client-auth';
import {
  endpointError,
  oauthErrorCode,
  parseTokenResponse,
  postOAuthForm,
  SubscriberRefusedError,
} from './oauth-endpoint';
import { SubscriberFlow } from './subscriber-token.source';

export const JWT_BEARER_GRANT_TYPE = 'urn:ietf:params:oauth:grant-type:jwt-bearer';

export interface JwtBearerOptions {
  tokenUrl: string;
  /** `iss` of the assertion: the client id the gateway knows. */
  issuer: string;
  signing: SigningKey;
  /** Client authentication besides the assertion (ICM: private_key_jwt); none when absent. */
  clientAuth?: ClientAuthentication;
  /** `aud` of the assertion; the token endpoint URL by default. */
  audience?: string;
  lifetimeS?: number;
  requestTimeoutMs: number;
  fetch?: typeof fetch;
  nowS?: () => number;
}

const NO_CLIENT_AUTH: ClientAuthentication = { method: 'none', clientId: '', apply: async () => undefined };

/**
 * RFC 7523 §2.1, the JWT-Bearer grant with `sub=tel:+E164`: a 3-legged token with no step for
 * the holder (consent is recorded at the gateway beforehand), so one request gets it.
 */
export class JwtBearerFlow implements SubscriberFlow {
  readonly name = 'jwt_bearer';
  private readonly fetchFn: typeof fetch;
  private readonly nowS: () => number;
  private readonly lifetimeS: number;

  constructor(private readonly options: JwtBearerOptions) {
    new URL(options.tokenUrl);
    this.lifetimeS = checkLifetime(options.lifetimeS);
    this.fetchFn = options.fetch ?? fetch;
    this.nowS = options.nowS ?? (() => Math.floor(Date.now() / 1000));
  }

  async run(phoneNumber: string, scope: string): Promise<{ token: string; lifetimeS: number }> {
    const { tokenUrl, issuer, signing } = this.options;
    const iat = this.nowS();
    const assertion = await new SignJWT({})
      .setProtectedHeader({ alg: signing.alg, typ: 'JWT', ...(signing.kid ? { kid: signing.kid } : {}) })
      .setIssuer(issuer)
      .setSubject(`tel:${phoneNumber}`)
      .setAudience(this.options.audience ?? tokenUrl)
      .setJti(randomUUID())
      .setIssuedAt(iat)
      .setExpirationTime(iat + this.lifetimeS)
      .sign(signing.key);
    const response = await postOAuthForm({
      url: tokenUrl,
      form: new URLSearchParams({ grant_type: JWT_BEARER_GRANT_TYPE, assertion, scope }),
      auth: this.options.clientAuth ?? NO_CLIENT_AUTH,
      timeoutMs: this.options.requestTimeoutMs,
      fetch: this.fetchFn,
    });
    if (response.status === 200) return parseTokenResponse(response.body);
    const code = oauthErrorCode(response);
    const description = typeof response.body.error_description === 'string' ? `: ${response.body.error_description}` : '';
    if (code === 'access_denied') throw new SubscriberRefusedError(`access_denied${description}`, 'consent');
    if (code === 'unknown_user_id') throw new SubscriberRefusedError(`unknown_user_id${description}`, 'unknown_subscriber');
    throw endpointError(tokenUrl, response);
  }
}
