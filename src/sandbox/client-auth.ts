import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { AssertionVerifier, MAX_ASSERTION_LIFETIME_S } from './jwt-assertions';
import { OAuthFailure } from './oauth-errors';
import { ClientAuthMethod } from './profiles';

export interface ClientAuthOptions {
  clientId: string;
  clientSecret: string;
  methods: readonly ClientAuthMethod[];
  /** Needed when `methods` include a signed-JWT method. */
  assertions?: AssertionVerifier;
}

/** The endpoint being called, as a client assertion's `aud` may name it. */
export interface Endpoint {
  url: string;
  origin: string;
}

export const CLIENT_ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
const SIGNED_ALGORITHMS = ['RS256', 'ES256'];

const DESCRIPTIONS: Readonly<Record<ClientAuthMethod, string>> = {
  client_secret_basic: 'HTTP Basic',
  client_secret_post: 'client_id and client_secret',
  private_key_jwt: 'private_key_jwt (client_assertion_type and client_assertion)',
  application_jwt: 'Authorization: Bearer <application JWT>',
};

type Presented =
  | { method: 'client_secret_basic' | 'client_secret_post'; id?: string; secret: string }
  | { method: 'private_key_jwt'; id?: string; assertion?: string; assertionType?: string }
  | { method: 'application_jwt'; jwt: string }
  | { method: 'none' };

/**
 * Client authentication as the profile accepts it (RFC 6749 2.3, OIDC core 9, Vonage's
 * application JWT). Returns the client id, or undefined when `optional` and none was presented
 * (RFC 7523 3.1: the JWT-Bearer grant may go without). Throws an OAuthFailure otherwise.
 */
export async function authenticateClient(
  request: FastifyRequest,
  form: URLSearchParams,
  endpoint: Endpoint,
  options: ClientAuthOptions,
  optional = false,
): Promise<string | undefined> {
  const presented = presentedMethod(request, form, options);
  const challenge = options.methods.includes('application_jwt') ? 'Bearer realm="linetrust-sandbox"' : undefined;
  const refuse = (message: string) => new OAuthFailure('invalid_client', message, 401, challenge);
  if (presented.method === 'none') {
    if (optional) return undefined;
    throw refuse(`client authentication is required: ${options.methods.map((method) => DESCRIPTIONS[method]).join(', or ')}`);
  }
  if (!options.methods.includes(presented.method)) {
    throw refuse(`this gateway expects ${options.methods.join(' or ')} client authentication, not ${presented.method}`);
  }
  switch (presented.method) {
    case 'client_secret_basic':
    case 'client_secret_post':
      if (presented.id === undefined) throw refuse('client_id is required with client_secret');
      if (!(sameSecret(presented.id, options.clientId) && sameSecret(presented.secret, options.clientSecret))) {
        throw refuse('client authentication failed');
      }
      return options.clientId;
    case 'private_key_jwt':
      return privateKeyJwt(presented, endpoint, options, refuse);
    case 'application_jwt':
      return applicationJwt(presented.jwt, options, refuse);
  }
}

function presentedMethod(request: FastifyRequest, form: URLSearchParams, options: ClientAuthOptions): Presented {
  const header = request.headers.authorization;
  const id = form.get('client_id') ?? undefined;
  const secret = form.get('client_secret') ?? undefined;
  const assertion = form.get('client_assertion') ?? undefined;
  const assertionType = form.get('client_assertion_type') ?? undefined;
  const inForm = [secret, assertion, assertionType].filter((value) => value !== undefined).length;
  // RFC 6749 2.3.1: one authentication method per request.
  const twoMethods = () => new OAuthFailure('invalid_request', 'use one client authentication method per request, not several');
  if (header !== undefined) {
    if (inForm > 0) throw twoMethods();
    const basic = parseBasic(header);
    if (basic) {
      if (id !== undefined && id !== basic.id) throw twoMethods();
      return { method: 'client_secret_basic', ...basic };
    }
    const bearer = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i.exec(header);
    if (bearer) return { method: 'application_jwt', jwt: bearer[1] };
    const expected = options.methods.includes('application_jwt') ? 'Bearer <application JWT>' : 'HTTP Basic client credentials';
    throw new OAuthFailure('invalid_client', `the Authorization header must be ${expected}`);
  }
  if (assertion !== undefined || assertionType !== undefined) {
    if (secret !== undefined) throw twoMethods();
    return { method: 'private_key_jwt', id, assertion, assertionType };
  }
  if (secret !== undefined) return { method: 'client_secret_post', id, secret };
  return { method: 'none' };
}

async function privateKeyJwt(
  presented: Extract<Presented, { method: 'private_key_jwt' }>,
  endpoint: Endpoint,
  options: ClientAuthOptions,
  refuse: (message: string) => OAuthFailure,
): Promise<string> {
  if (presented.assertionType !== CLIENT_ASSERTION_TYPE) throw refuse(`client_assertion_type must be ${CLIENT_ASSERTION_TYPE}`);
  if (presented.assertion === undefined) throw refuse('client_assertion is required with client_assertion_type');
  if (presented.id !== undefined && presented.id !== options.clientId) throw refuse('unknown client_id');
  const check = await verifier(options).verify(presented.assertion, {
    label: 'client assertion',
    algorithms: SIGNED_ALGORITHMS,
    issuer: options.clientId,
    subject: options.clientId,
    // The endpoint's URL; ICM also lets the audience be the authorization server's issuer.
    audiences: [endpoint.url, endpoint.origin],
    requiredClaims: ['iss', 'sub', 'aud', 'exp', 'iat', 'jti'],
    maxLifetimeS: MAX_ASSERTION_LIFETIME_S,
    singleUse: true,
  });
  if (!check.ok) throw refuse(check.reason);
  return options.clientId;
}

async function applicationJwt(jwt: string, options: ClientAuthOptions, refuse: (message: string) => OAuthFailure): Promise<string> {
  const check = await verifier(options).verify(jwt, {
    label: 'application JWT',
    // Vonage signs application JWTs with RS256 only.
    algorithms: ['RS256'],
    requiredClaims: ['application_id', 'iat', 'exp', 'jti'],
    singleUse: false,
  });
  if (!check.ok) throw refuse(check.reason);
  if (check.payload.application_id !== options.clientId) throw refuse('application JWT: application_id is not this application');
  return options.clientId;
}

function verifier(options: ClientAuthOptions): AssertionVerifier {
  if (!options.assertions) throw new Error('a signed-JWT client authentication method needs the client public keys');
  return options.assertions;
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

/** Constant time whatever the lengths: both sides are hashed to 32 bytes first. */
export function sameSecret(given: string, expected: string): boolean {
  const digest = (text: string) => createHash('sha256').update(text).digest();
  return timingSafeEqual(digest(given), digest(expected));
}
