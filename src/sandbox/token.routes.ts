import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { authenticateClient, Endpoint } from './client-auth';
import { FORM, noStore, OAuthFailure, readForm, sendOAuthError } from './oauth-errors';
import { GRANT_TYPES, GrantName } from './profiles';
import { backchannelAuthorize, cibaGrant, clientCredentialsGrant, jwtBearerGrant, OAuthContext, TokenResponse } from './token-grants';

export type TokenRoutesOptions = OAuthContext;

const GRANT_BY_TYPE = new Map(Object.entries(GRANT_TYPES).map(([name, type]) => [type, name as GrantName]));

/**
 * The profile's OAuth endpoints: the token endpoint (RFC 6749 with the grants the profile offers)
 * and, with CIBA, the backchannel authentication endpoint. Errors as RFC 6749 5.2 and CIBA core
 * 11 and 13 have them.
 */
export async function tokenRoutes(instance: FastifyInstance, context: TokenRoutesOptions): Promise<void> {
  instance.addContentTypeParser(FORM, { parseAs: 'string' }, (_request, body, done) => {
    done(null, new URLSearchParams(body as string));
  });
  // Body errors (malformed, too large, other media types) are OAuth errors here, not CAMARA ones.
  instance.setErrorHandler(async (error: { statusCode?: number; message: string }, _request, reply) => {
    if (typeof error.statusCode !== 'number' || error.statusCode >= 500) throw error;
    return sendOAuthError(reply, new OAuthFailure('invalid_request', error.message));
  });

  const { access } = context;
  instance.post(access.tokenPath, (request, reply) => answer(reply, () => token(request, context)));
  if (access.authorizePath !== undefined) {
    instance.post(access.authorizePath, (request, reply) =>
      answer(reply, async () => {
        const form = readForm(request);
        const clientId = await authenticateClient(request, form, endpointOf(request), context.client);
        return backchannelAuthorize(form, clientId as string, context);
      }),
    );
  }
}

async function token(request: FastifyRequest, context: OAuthContext): Promise<TokenResponse> {
  const form = readForm(request);
  const grantType = form.get('grant_type');
  const grant = grantType ? GRANT_BY_TYPE.get(grantType) : undefined;
  const offered = grant !== undefined && context.access.grants.includes(grant);
  const endpoint = endpointOf(request);
  // RFC 7523 3.1: client authentication is optional with the JWT-Bearer grant, checked if sent.
  const clientId = await authenticateClient(request, form, endpoint, context.client, offered && grant === 'jwt-bearer');
  if (!grantType) throw new OAuthFailure('invalid_request', 'grant_type is required');
  if (!offered) {
    const types = context.access.grants.map((name) => GRANT_TYPES[name]).join(' or ');
    throw new OAuthFailure('unsupported_grant_type', `grant_type ${grantType} is not supported; use ${types}`);
  }
  switch (grant) {
    case 'client_credentials':
      return clientCredentialsGrant(form, context);
    case 'ciba':
      return cibaGrant(form, clientId as string, context);
    case 'jwt-bearer':
      return jwtBearerGrant(form, endpoint, context);
  }
}

async function answer(reply: FastifyReply, run: () => Promise<object> | object): Promise<FastifyReply> {
  try {
    return noStore(reply).send(await run());
  } catch (error) {
    if (error instanceof OAuthFailure) return sendOAuthError(reply, error);
    throw error;
  }
}

/** The URL the client called, as its assertions' `aud` must name it (from the Host header). */
function endpointOf(request: FastifyRequest): Endpoint {
  const origin = `http://${request.headers.host ?? request.hostname}`;
  return { url: `${origin}${request.url.split('?')[0]}`, origin };
}
