import type { FastifyReply } from 'fastify';
import type { CamaraErrorBody } from '../errors/camara-error';

/** Sends the CAMARA error body `{ status, code, message }`, the one shape every API error has. */
export function sendCamaraError(reply: FastifyReply, status: number, code: string, message: string): FastifyReply {
  const body: CamaraErrorBody = { status, code, message };
  return reply.status(status).header('content-type', 'application/json').send(body);
}
