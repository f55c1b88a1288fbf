import type { FastifyReply, FastifyRequest } from 'fastify';

/** RFC 6749 5.2, RFC 7523 and OpenID CIBA core 11 and 13 error codes. */
export type OAuthError =
  | 'invalid_request'
  | 'invalid_client'
  | 'invalid_grant'
  | 'unsupported_grant_type'
  | 'invalid_scope'
  | 'authorization_pending'
  | 'slow_down'
  | 'access_denied'
  | 'expired_token'
  | 'unknown_user_id';

/** A refusal of the token or bc-authorize endpoint, answered in the OAuth error shape. */
export class OAuthFailure extends Error {
  constructor(
    readonly error: OAuthError,
    message: string,
    /** 400 unless said otherwise; invalid_client is always 401. */
    readonly status: number = error === 'invalid_client' ? 401 : 400,
    /** The WWW-Authenticate challenge of a 401 (RFC 6749 5.2: the scheme the client tried or should use). */
    readonly challenge?: string,
  ) {
    super(message);
  }
}

export const FORM = 'application/x-www-form-urlencoded';
const SINGLE_VALUED = [
  'grant_type',
  'scope',
  'client_id',
  'client_secret',
  'client_assertion',
  'client_assertion_type',
  'login_hint',
  'auth_req_id',
  'assertion',
];

/** The parsed form, with RFC 6749 3.1 applied: no parameter twice, an empty value counts as omitted. */
export function readForm(request: FastifyRequest): URLSearchParams {
  if (!(request.body instanceof URLSearchParams)) {
    throw new OAuthFailure('invalid_request', `the request body must be ${FORM}`);
  }
  const form = request.body;
  const repeated = SINGLE_VALUED.filter((name) => form.getAll(name).length > 1);
  if (repeated.length > 0) throw new OAuthFailure('invalid_request', `${repeated.join(', ')} must not be repeated`);
  for (const [name, value] of [...form]) if (value === '') form.delete(name);
  return form;
}

export function sendOAuthError(reply: FastifyReply, failure: OAuthFailure): FastifyReply {
  if (failure.status === 401) void reply.header('www-authenticate', failure.challenge ?? 'Basic realm="linetrust-sandbox"');
  return noStore(reply).status(failure.status).send({ error: failure.error, error_description: failure.message });
}

/** RFC 6749 5.1: token responses must not be cached. */
export function noStore(reply: FastifyReply): FastifyReply {
  return reply.header('cache-control', 'no-store').header('pragma', 'no-cache');
}
