import type { LoggerService } from '@nestjs/common';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { SandboxLine } from '../signals/sandbox/line-dataset';
import { SandboxOperator } from '../signals/sandbox/sandbox-operator';
import { CamaraOperation, missingScopes } from './camara-operations';
import { sendCamaraError } from '../common/http/camara-reply';
import { sameSecret } from './client-auth';
import { FaultInjector } from './fault-injector';
import { SandboxProfile, profileOperations } from './profiles';
import { checkBody } from './request-validation';
import { AccessToken, TokenStore } from './token-store';

export interface ApiRoutesOptions {
  profile: SandboxProfile;
  operator: SandboxOperator;
  lines: ReadonlyMap<string, SandboxLine>;
  tokens: TokenStore;
  faults: FaultInjector;
  logger: LoggerService;
  /** API-key mode: the RapidAPI key and host every call must carry. */
  apiKey?: { key: string; host: string };
}

const BEARER = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i;
const REALM = 'realm="linetrust-sandbox"';
/** What an API key grants: the calls of a 2-legged token, with no scope to hold. */
const API_KEY_GRANT: AccessToken = { scopes: new Set(), expiresAt: Number.POSITIVE_INFINITY };

/**
 * The four CAMARA APIs at the profile's paths, in the order a gateway judges a call: the
 * credentials (401), the scopes (403), the body (400 INVALID_ARGUMENT), who the subject is (422
 * MISSING_IDENTIFIER or UNNECESSARY_IDENTIFIER, 403 INVALID_TOKEN_CONTEXT), faults, then the
 * operator's answer (400 OUT_OF_RANGE, 404, 422, 200).
 */
export async function apiRoutes(instance: FastifyInstance, options: ApiRoutesOptions): Promise<void> {
  // Request bodies are JSON only: anything else is 415 rather than a parsed surprise.
  instance.removeContentTypeParser(['text/plain']);
  const tokenOf = new WeakMap<FastifyRequest, AccessToken>();

  for (const operation of profileOperations(options.profile)) {
    instance.post(operation.path, {
      // Authentication before the body is even read, as a gateway in front of the API does.
      onRequest: async (request, reply) => {
        const token = options.apiKey ? checkApiKey(request, reply, options.apiKey) : authenticate(request, reply, operation, options.tokens);
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
  const lacking = missingScopes(operation, lookup.token.scopes);
  if (lacking) {
    const scope = lacking.join(' ');
    void reply.header('www-authenticate', `Bearer ${REALM}, error="insufficient_scope", scope="${scope}"`);
    void sendCamaraError(reply, 403, 'PERMISSION_DENIED', `Client does not have sufficient permissions: the access token lacks the scope ${scope}.`);
    return undefined;
  }
  return lookup.token;
}

/** RapidAPI's gateway: the key (compared in constant time) and the API's host, on every call. */
function checkApiKey(request: FastifyRequest, reply: FastifyReply, expected: { key: string; host: string }): AccessToken | undefined {
  const key = request.headers['x-rapidapi-key'];
  const host = request.headers['x-rapidapi-host'];
  const problem =
    typeof key !== 'string'
      ? 'the X-RapidAPI-Key header is missing'
      : !sameSecret(key, expected.key)
        ? 'the X-RapidAPI-Key is not valid'
        : host !== expected.host
          ? `the X-RapidAPI-Host header must be ${expected.host}`
          : undefined;
  if (problem === undefined) return API_KEY_GRANT;
  void sendCamaraError(reply, 401, 'UNAUTHENTICATED', `Request not authenticated: ${problem}.`);
  return undefined;
}

async function answer(
  operation: CamaraOperation,
  token: AccessToken,
  request: FastifyRequest,
  reply: FastifyReply,
  { operator, lines, faults, profile }: ApiRoutesOptions,
): Promise<FastifyReply> {
  const checked = checkBody(operation.body, request.body);
  if (!checked.ok) return sendCamaraError(reply, 400, 'INVALID_ARGUMENT', checked.message);
  const given = checked.body.phoneNumber as string | undefined;
  const subject = identify(token, given, profile.identifier);
  if (!subject.ok) return sendCamaraError(reply, subject.status, subject.code, subject.message);
  const fault = faults.choose(operation.id, lines.get(subject.phoneNumber)?.faults);
  if (fault && (await faults.apply(fault, operation.id, request, reply))) return reply;

  const result = operation.answer(operator, checked.body, subject.phoneNumber);
  if (!result.ok) return sendCamaraError(reply, result.status, result.code, result.message);
  return reply.status(200).header('content-type', 'application/json').send(result.body);
}

type Subject = { ok: true; phoneNumber: string } | { ok: false; status: number; code: string; message: string };

/**
 * The spec's identifier rules (Commonalities): a 3-legged token names the subject, a 2-legged
 * one cannot. Vonage's v0.4 still wants the number in the body, and it must be the token's.
 */
export function identify(token: AccessToken, given: string | undefined, rule: SandboxProfile['identifier']): Subject {
  const bound = token.phoneNumber;
  if (bound === undefined) {
    return given !== undefined
      ? { ok: true, phoneNumber: given }
      : { ok: false, status: 422, code: 'MISSING_IDENTIFIER', message: 'The phone number cannot be identified: send phoneNumber, or use a token issued for one number.' };
  }
  if (rule === 'forbidden') {
    return given === undefined
      ? { ok: true, phoneNumber: bound }
      : { ok: false, status: 422, code: 'UNNECESSARY_IDENTIFIER', message: 'The phone number is already identified by the access token: do not send phoneNumber.' };
  }
  if (given === undefined) {
    return { ok: false, status: 422, code: 'MISSING_IDENTIFIER', message: 'The phone number cannot be identified: this gateway wants phoneNumber in the body, the number the token was issued for.' };
  }
  return given === bound
    ? { ok: true, phoneNumber: bound }
    : { ok: false, status: 403, code: 'INVALID_TOKEN_CONTEXT', message: 'phoneNumber is not consistent with the access token.' };
}
