import type { FastifyReply } from 'fastify';
import type { CamaraErrorBody } from '../common/errors/camara-error';

/** Sends the CAMARA error body `{ status, code, message }`, the one shape every API error has. */
export function sendCamaraError(reply: FastifyReply, status: number, code: string, message: string): FastifyReply {
  const body: CamaraErrorBody = { status, code, message };
  return reply.status(status).header('content-type', 'application/json').send(body);
}

/** The CAMARA code for a status Fastify raised itself (body parsing, size, media type). */
export const CODE_BY_STATUS: Readonly<Record<number, string>> = {
  400: 'INVALID_ARGUMENT',
  404: 'NOT_FOUND',
  405: 'METHOD_NOT_ALLOWED',
  406: 'NOT_ACCEPTABLE',
  // CAMARA defines no code for 413; this one says what happened (as the service does).
  413: 'PAYLOAD_TOO_LARGE',
  415: 'UNSUPPORTED_MEDIA_TYPE',
};
