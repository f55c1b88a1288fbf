import { HttpException } from '@nestjs/common';
import { SEND_JSON } from '../http/json-media-type';
import { DomainError } from './domain.error';

/** The CAMARA error body every error response carries. */
export interface CamaraErrorBody {
  status: number;
  code: string;
  message: string;
}

/** The CAMARA code for an HTTP status (the service's and the sandbox operator's). */
export const CODE_BY_STATUS: Readonly<Record<number, string>> = {
  400: 'INVALID_ARGUMENT',
  401: 'UNAUTHENTICATED',
  403: 'PERMISSION_DENIED',
  404: 'NOT_FOUND',
  405: 'METHOD_NOT_ALLOWED',
  406: 'NOT_ACCEPTABLE',
  // CAMARA defines no code for 408, 413, 414 and 431; these say what happened.
  408: 'REQUEST_TIMEOUT',
  409: 'CONFLICT',
  413: 'PAYLOAD_TOO_LARGE',
  414: 'URI_TOO_LONG',
  415: 'UNSUPPORTED_MEDIA_TYPE',
  429: 'TOO_MANY_REQUESTS',
  431: 'REQUEST_HEADER_FIELDS_TOO_LARGE',
  500: 'INTERNAL',
  501: 'NOT_IMPLEMENTED',
  502: 'BAD_GATEWAY',
  503: 'UNAVAILABLE',
  504: 'TIMEOUT',
};

const INTERNAL: CamaraErrorBody = { status: 500, code: 'INTERNAL', message: 'Internal server error.' };

function httpExceptionMessage(error: HttpException): string {
  const response = error.getResponse();
  if (typeof response === 'string') return response;
  const message = (response as { message?: unknown }).message;
  if (Array.isArray(message)) return message.join('; ');
  return typeof message === 'string' ? message : error.message;
}

/**
 * Maps anything thrown while serving a request to a CAMARA error body. Only errors that carry
 * a client status are described; everything else is a 500 that reveals nothing internal.
 * `expected` is false for the 500s, which the caller logs with their stack.
 */
export function toCamaraError(error: unknown): { body: CamaraErrorBody; expected: boolean } {
  if (error instanceof DomainError) {
    return { body: { status: error.status, code: error.code, message: error.message }, expected: true };
  }
  if (error instanceof HttpException) {
    const status = error.getStatus();
    if (status >= 500) return { body: INTERNAL, expected: false };
    // Nest turns Fastify's own 415 (a media type it cannot parse) into an HttpException that says only "Unsupported Media Type".
    const message = status === 415 ? SEND_JSON : httpExceptionMessage(error);
    return { body: { status, code: CODE_BY_STATUS[status] ?? 'INVALID_ARGUMENT', message }, expected: true };
  }
  // Fastify's own errors (body parsing, size limit, content type) carry a 4xx statusCode.
  const statusCode = (error as { statusCode?: unknown })?.statusCode;
  if (typeof statusCode === 'number' && statusCode >= 400 && statusCode < 500) {
    const code = CODE_BY_STATUS[statusCode] ?? 'INVALID_ARGUMENT';
    return { body: { status: statusCode, code, message: fastifyErrorMessage(error as Error & { code?: string }) }, expected: true };
  }
  return { body: INTERNAL, expected: false };
}

/** A message for an error Fastify raised itself (body parsing, size, media type). */
export function fastifyErrorMessage(error: Error & { code?: string }): string {
  switch (error.code) {
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return 'The request body is not valid JSON.';
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return 'The request body is too large.';
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return SEND_JSON;
    default:
      // Fastify's JSON.parse errors have no code of their own but a status 400.
      return error instanceof SyntaxError ? 'The request body is not valid JSON.' : error.message;
  }
}
