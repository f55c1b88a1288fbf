import { timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { PHONE_NUMBER_PATTERN } from '../common/phone/phone-number';
import { isKnownScope } from './camara-operations';
import { TokenStore } from './token-store';

export interface TokenRoutesOptions {
  clientId: string;
  clientSecret: string;
  tokens: TokenStore;
}

type OAuthError = 'invalid_request' | 'invalid_client' | 'unsupported_grant_type' | 'invalid_scope';

class OAuthFailure extends Error {
  constructor(
    readonly error: OAuthError,
    message: string,
  ) {
    super(message);
  }
}

const FORM = 'application/x-www-form-urlencoded';
const SINGLE_VALUED = ['grant_type', 'scope', 'client_id', 'client_secret', 'login_hint'];
const LOGIN_HINT = /^tel:(\+.*)$/;

/**
 * `POST /oauth2/token`: the OAuth 2.0 client credentials grant (RFC 6749 section 4.4), client
 * authentication by HTTP Basic or form fields (2.3.1), errors as section 5.2 has them. A
 * `login_hint=tel:+E164` binds the token to one number, standing in for the 3-legged flows
 * (CIBA, authorization code) a real gateway would run to get the user's consent.
 */
export async function tokenRoutes(instance: FastifyInstance, options: TokenRoutesOptions): Promise<void> {
  instance.addContentTypeParser(FORM, { parseAs: 'string' }, (_request, body, done) => {
    done(null, new URLSearchParams(body as string));
  });
  // Body errors (malformed, too large, other media types) are OAuth errors here, not CAMARA ones.
  instance.setErrorHandler(async (error: { statusCode?: number; message: string }, _request, reply) => {
    if (typeof error.statusCode !== 'number' || error.statusCode >= 500) throw error;
    return sendOAuthError(reply, new OAuthFailure('invalid_request', error.message));
  });

  instance.post('/oauth2/token', async (request, reply) => {
    try {
      const form = readForm(request);
      authenticateClient(request, form, options);
      const grantType = form.get('grant_type');
      if (!grantType) throw new OAuthFailure('invalid_request', 'grant_type is required');
      if (grantType !== 'client_credentials') {
        throw new OAuthFailure('unsupported_grant_type', `grant_type ${grantType} is not supported; use client_credentials`);
      }
      const scopes = readScopes(form.get('scope'));
      const phoneNumber = readLoginHint(form.get('login_hint'));
      const { accessToken, expiresIn } = options.tokens.issue(scopes, phoneNumber);
      return reply
        .header('cache-control', 'no-store')
        .header('pragma', 'no-cache')
        .send({ access_token: accessToken, token_type: 'Bearer', expires_in: expiresIn, scope: scopes.join(' ') });
    } catch (error) {
      if (error instanceof OAuthFailure) return sendOAuthError(reply, error);
      throw error;
    }
  });
}

function readForm(request: FastifyRequest): URLSearchParams {
  if (!(request.body instanceof URLSearchParams)) {
    throw new OAuthFailure('invalid_request', `the request body must be ${FORM}`);
  }
  const form = request.body;
  // RFC 6749 3.1: no parameter twice; a parameter without a value counts as omitted.
  const repeated = SINGLE_VALUED.filter((name) => form.getAll(name).length > 1);
  if (repeated.length > 0) throw new OAuthFailure('invalid_request', `${repeated.join(', ')} must not be repeated`);
  for (const [name, value] of [...form]) if (value === '') form.delete(name);
  return form;
}

function authenticateClient(request: FastifyRequest, form: URLSearchParams, options: TokenRoutesOptions): void {
  const header = request.headers.authorization;
  let id = form.get('client_id') ?? undefined;
  let secret = form.get('client_secret') ?? undefined;
  if (header !== undefined) {
    const basic = parseBasic(header);
    if (!basic) throw new OAuthFailure('invalid_client', 'the Authorization header must be HTTP Basic client credentials');
    // RFC 6749 2.3.1: one authentication method per request.
    if (secret !== undefined || (id !== undefined && id !== basic.id)) {
      throw new OAuthFailure('invalid_request', 'send client credentials either by HTTP Basic or in the form, not both');
    }
    ({ id, secret } = basic);
  }
  if (id === undefined || secret === undefined) {
    throw new OAuthFailure('invalid_client', 'client authentication is required (HTTP Basic, or client_id and client_secret)');
  }
  if (!(sameText(id, options.clientId) && sameText(secret, options.clientSecret))) {
    throw new OAuthFailure('invalid_client', 'client authentication failed');
  }
}

/** RFC 6749 2.3.1: id and secret are form-urlencoded, joined by ":", then Base64-encoded. */
function parseBasic(header: string): { id: string; secret: string } | undefined {
  const match = /^Basic +([A-Za-z0-9+/]+=*) *$/i.exec(header);
  if (!match) return undefined;
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  try {
    const formDecode = (text: string) => decodeURIComponent(text.replace(/\+/g, ' '));
    return { id: formDecode(decoded.slice(0, colon)), secret: formDecode(decoded.slice(colon + 1)) };
  } catch {
    return undefined;
  }
}

function readScopes(scope: string | null): string[] {
  // RFC 6749 3.3: without a default scope, an omitted scope is invalid_scope.
  if (!scope) throw new OAuthFailure('invalid_scope', 'scope is required: the space-separated scopes of the operations to call');
  const scopes = [...new Set(scope.split(' ').filter((item) => item !== ''))];
  const unknown = scopes.filter((item) => !isKnownScope(item));
  if (unknown.length > 0) throw new OAuthFailure('invalid_scope', `unknown scope(s): ${unknown.join(' ')}`);
  return scopes;
}

function readLoginHint(hint: string | null): string | undefined {
  if (!hint) return undefined;
  const number = LOGIN_HINT.exec(hint)?.[1];
  if (!number || !PHONE_NUMBER_PATTERN.test(number)) {
    throw new OAuthFailure('invalid_request', 'login_hint must be tel: followed by an E.164 number, e.g. tel:+34600000001 (form-encoded: tel:%2B34600000001)');
  }
  return number;
}

function sameText(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

function sendOAuthError(reply: FastifyReply, failure: OAuthFailure): FastifyReply {
  const status = failure.error === 'invalid_client' ? 401 : 400;
  if (status === 401) void reply.header('www-authenticate', 'Basic realm="linetrust-sandbox"');
  return reply
    .status(status)
    .header('cache-control', 'no-store')
    .header('pragma', 'no-cache')
    .send({ error: failure.error, error_description: failure.message });
}
