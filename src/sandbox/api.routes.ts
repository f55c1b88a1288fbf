import type { LoggerService } from '@nestjs/common';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { SandboxLine } from '../signals/sandbox/line-dataset';
import { SandboxOperator } from '../signals/sandbox/sandbox-operator';
import { CAMARA_OPERATIONS, CamaraOperation } from './camara-operations';
import { sendCamaraError } from '../common/http/camara-reply';
import { FaultInjector } from './fault-injector';
import { checkBody } from './request-validation';
import { AccessToken, TokenStore } from './token-store';

export interface ApiRoutesOptions {
  operator: SandboxOperator;
  lines: ReadonlyMap<string, SandboxLine>;
  tokens: TokenStore;
  faults: FaultInjector;
  logger: LoggerService;
}

const BEARER = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i;
const REALM = 'realm="linetrust-sandbox"';

/**
 * The four CAMARA APIs, in the order a gateway judges a call: the token (401), its scope (403),
 * the body (400 INVALID_ARGUMENT), who the subject is (422 MISSING_IDENTIFIER or
 * UNNECESSARY_IDENTIFIER), faults, then the operator's answer (400 OUT_OF_RANGE, 404, 422, 200).
 */
export async function apiRoutes(instance: FastifyInstance, options: ApiRoutesOptions): Promise<void> {
  // Request bodies are JSON only: anything else is 415 rather than a parsed surprise.
  instance.removeContentTypeParser(['text/plain']);
  const tokenOf = new WeakMap<FastifyRequest, AccessToken>();

  for (const operation of CAMARA_OPERATIONS) {
    instance.post(operation.path, {
      // Authentication before the body is even read, as a gateway in front of the API does.
      onRequest: async (request, reply) => {
        const token = authenticate(request, reply, operation, options.tokens);
        if (token) tokenOf.set(request, token);
        return token ? undefined : reply;
      },
      handler: async (request, reply) => {
        const token = tokenOf.get(request);
        if (!token) throw new Error('request reached its handler unauthenticated');
        return answer(operation, token, request, reply, options);
      },
    });
  }
}

function authenticate(
  request: FastifyRequest,
  reply: FastifyReply,
  operation: CamaraOperation,
  tokens: TokenStore,
): AccessToken | undefined {
  const header = request.headers.authorization;
  const match = header === undefined ? null : BEARER.exec(header);
  const lookup = match ? tokens.lookup(match[1]) : undefined;
  if (lookup?.status !== 'valid') {
    const [challenge, message] =
      header === undefined
        ? [`Bearer ${REALM}`, 'Request not authenticated: the Authorization header with a Bearer access token is missing.']
        : lookup?.status === 'expired'
          ? [`Bearer ${REALM}, error="invalid_token"`, 'Request not authenticated: the access token has expired. A new authentication is required.']
          : [`Bearer ${REALM}, error="invalid_token"`, 'Request not authenticated: the access token is invalid. A new authentication is required.'];
    void reply.header('www-authenticate', challenge);
    void sendCamaraError(reply, 401, 'UNAUTHENTICATED', message);
    return undefined;
  }
  if (!operation.scopes.some((scope) => lookup.token.scopes.has(scope))) {
    void reply.header('www-authenticate', `Bearer ${REALM}, error="insufficient_scope", scope="${operation.scopes[0]}"`);
    void sendCamaraError(reply, 403, 'PERMISSION_DENIED', `Client does not have sufficient permissions: the access token lacks the scope ${operation.scopes[0]}.`);
    return undefined;
  }
  return lookup.token;
}

async function answer(
  operation: CamaraOperation,
  token: AccessToken,
  request: FastifyRequest,
  reply: FastifyReply,
  { operator, lines, faults }: ApiRoutesOptions,
): Promise<FastifyReply> {
  const checked = checkBody(operation.body, request.body);
  if (!checked.ok) return sendCamaraError(reply, 400, 'INVALID_ARGUMENT', checked.message);
  const given = checked.body.phoneNumber as string | undefined;
  // The spec's identifier rules: a 3-legged token names the subject, a 2-legged one cannot.
  if (token.phoneNumber !== undefined && given !== undefined) {
    return sendCamaraError(reply, 422, 'UNNECESSARY_IDENTIFIER', 'The phone number is already identified by the access token: do not send phoneNumber.');
  }
  const phoneNumber = token.phoneNumber ?? given;
  if (phoneNumber === undefined) {
    return sendCamaraError(reply, 422, 'MISSING_IDENTIFIER', 'The phone number cannot be identified: send phoneNumber, or use a token issued for one number.');
  }
  const fault = faults.choose(operation.id, lines.get(phoneNumber)?.faults);
  if (fault && (await faults.apply(fault, operation.id, request, reply))) return reply;

  const result = operation.answer(operator, checked.body, phoneNumber);
  if (!result.ok) return sendCamaraError(reply, result.status, result.code, result.message);
  return reply.status(200).header('content-type', 'application/json').send(result.body);
}
