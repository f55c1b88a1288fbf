import type { LoggerService } from '@nestjs/common';
import { maskPhoneNumber, PHONE_NUMBER_PATTERN } from '../common/phone/phone-number';
import { SandboxLine } from '../signals/sandbox/line-dataset';
import { CibaStore } from './ciba-store';
import { ClientAuthOptions, Endpoint } from './client-auth';
import { AssertionVerifier, MAX_ASSERTION_LIFETIME_S } from './jwt-assertions';
import { OAuthFailure } from './oauth-errors';
import { OAuthAccess } from './profiles';
import { readLoginHint, readScopes } from './scope-rules';
import { TokenStore } from './token-store';

/** Everything the token and bc-authorize endpoints of one gateway need. */
export interface OAuthContext {
  access: OAuthAccess;
  client: ClientAuthOptions;
  vocabulary: ReadonlySet<string>;
  tokens: TokenStore;
  ciba: CibaStore;
  /** Set when the profile verifies signed JWTs (SANDBOX_CLIENT_PUBLIC_KEYS). */
  assertions?: AssertionVerifier;
  lines: ReadonlyMap<string, SandboxLine>;
  logger: LoggerService;
}

export interface TokenResponse {
  access_token: string;
  token_type: 'Bearer';
  expires_in: number;
  scope: string;
}

const CONTEXT = 'SandboxOAuth';
const TEL_SUBJECT = /^tel:(\+[1-9][0-9]{4,14})$/;

function issue(context: OAuthContext, scopes: readonly string[], phoneNumber?: string): TokenResponse {
  const { accessToken, expiresIn } = context.tokens.issue(scopes, phoneNumber);
  return { access_token: accessToken, token_type: 'Bearer', expires_in: expiresIn, scope: scopes.join(' ') };
}

/** RFC 6749 4.4; the camara profile's `login_hint` binds the token to a number without a user step. */
export function clientCredentialsGrant(form: URLSearchParams, context: OAuthContext): TokenResponse {
  const scopes = readScopes(form.get('scope'), context.access, context.vocabulary);
  const hint = form.get('login_hint');
  if (hint && !context.access.loginHintOnClientCredentials) {
    throw new OAuthFailure('invalid_request', 'login_hint is not a client_credentials parameter on this gateway: use a 3-legged grant');
  }
  return issue(context, scopes, readLoginHint(hint));
}

/** OpenID CIBA core 7: the backchannel authentication request, answered in poll mode. */
export function backchannelAuthorize(form: URLSearchParams, clientId: string, context: OAuthContext): { auth_req_id: string; expires_in: number; interval: number } {
  if (form.has('login_hint_token') || form.has('id_token_hint')) {
    throw new OAuthFailure('invalid_request', 'only login_hint=tel:+E164 identifies the subscriber here');
  }
  const scopes = readScopes(form.get('scope'), context.access, context.vocabulary);
  const phoneNumber = readLoginHint(form.get('login_hint'));
  if (!phoneNumber) throw new OAuthFailure('invalid_request', 'login_hint is required: tel: followed by the E.164 number');
  const line = context.lines.get(phoneNumber);
  if (!line) throw new OAuthFailure('unknown_user_id', 'the login_hint is not a subscriber of this operator');
  const consent = line.consent ?? 'granted';
  if (consent === 'opted_out') {
    context.logger.log(`bc-authorize refused: ${maskPhoneNumber(phoneNumber)} has opted out`, CONTEXT);
    throw new OAuthFailure('access_denied', 'the subscriber has opted out of these APIs', 403);
  }
  const started = context.ciba.start(clientId, phoneNumber, scopes, consent);
  context.logger.debug?.(`bc-authorize for ${maskPhoneNumber(phoneNumber)}: subscriber asked (${JSON.stringify(consent)})`, CONTEXT);
  return { auth_req_id: started.authReqId, expires_in: started.expiresIn, interval: started.interval };
}

/** OpenID CIBA core 10.1: the poll, answered with the subscriber's state (11) or a 3-legged token. */
export function cibaGrant(form: URLSearchParams, clientId: string, context: OAuthContext): TokenResponse {
  const authReqId = form.get('auth_req_id');
  if (!authReqId) throw new OAuthFailure('invalid_request', 'auth_req_id is required with the CIBA grant');
  const poll = context.ciba.poll(clientId, authReqId);
  if (poll.status !== 'granted') throw new OAuthFailure(poll.status, poll.description);
  context.logger.debug?.(`CIBA token issued for ${maskPhoneNumber(poll.phoneNumber)}`, CONTEXT);
  return issue(context, poll.scopes, poll.phoneNumber);
}

/**
 * RFC 7523 2.1: a 3-legged token for the assertion's `sub` with no user step; the line's refusal
 * (denied, opted out) still holds, its consent delay does not.
 */
export async function jwtBearerGrant(form: URLSearchParams, endpoint: Endpoint, context: OAuthContext): Promise<TokenResponse> {
  const assertion = form.get('assertion');
  if (!assertion) throw new OAuthFailure('invalid_request', 'assertion is required with the JWT-Bearer grant');
  const scopes = readScopes(form.get('scope'), context.access, context.vocabulary);
  if (!context.assertions) throw new Error('the JWT-Bearer grant needs the client public keys');
  const check = await context.assertions.verify(assertion, {
    label: 'assertion',
    algorithms: ['RS256', 'ES256'],
    issuer: context.client.clientId,
    audiences: [endpoint.url],
    requiredClaims: ['iss', 'sub', 'aud', 'exp', 'iat', 'jti'],
    maxLifetimeS: MAX_ASSERTION_LIFETIME_S,
    singleUse: true,
  });
  if (!check.ok) throw new OAuthFailure('invalid_grant', check.reason);
  const phoneNumber = TEL_SUBJECT.exec(check.payload.sub ?? '')?.[1];
  if (!phoneNumber || !PHONE_NUMBER_PATTERN.test(phoneNumber)) {
    throw new OAuthFailure('invalid_grant', 'assertion: sub must be tel: followed by an E.164 number');
  }
  const line = context.lines.get(phoneNumber);
  // RFC 7523 has no error for a well-formed assertion about someone the gateway does not
  // serve; CIBA's `unknown_user_id` says exactly that, and keeps it apart from a bad assertion.
  if (!line) throw new OAuthFailure('unknown_user_id', 'assertion: sub is not a subscriber of this operator');
  if (line.consent === 'denied' || line.consent === 'opted_out') {
    context.logger.log(`JWT-Bearer refused: ${maskPhoneNumber(phoneNumber)} has not consented`, CONTEXT);
    throw new OAuthFailure('access_denied', 'the subscriber has not consented (denied or opted out)');
  }
  return issue(context, scopes, phoneNumber);
}
