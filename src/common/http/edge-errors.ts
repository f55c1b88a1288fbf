import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { CamaraErrorBody, CODE_BY_STATUS } from '../errors/camara-error';
import { sendCamaraError } from './camara-reply';
import { newCorrelator } from './request-context';

/** Why Node's HTTP parser refused a request, for the client: never the parser's own text. */
function refusal(error: Error & { code?: string }): CamaraErrorBody {
  switch (error.code) {
    case 'HPE_HEADER_OVERFLOW':
      return { status: 431, code: CODE_BY_STATUS[431], message: 'The request headers are too large.' };
    case 'ERR_HTTP_REQUEST_TIMEOUT':
    case 'ERR_HTTP_HEADERS_TIMEOUT':
      return { status: 408, code: CODE_BY_STATUS[408], message: 'The request was not received in time.' };
    case 'HPE_UNEXPECTED_CONTENT_LENGTH':
    case 'HPE_INVALID_CONTENT_LENGTH':
      return { status: 400, code: CODE_BY_STATUS[400], message: 'Content-Length is malformed, repeated with another value, or sent with Transfer-Encoding.' };
    case 'HPE_INVALID_TRANSFER_ENCODING':
      return { status: 400, code: CODE_BY_STATUS[400], message: 'Transfer-Encoding is malformed or sent with Content-Length.' };
    default:
      return { status: 400, code: CODE_BY_STATUS[400], message: 'The request is not well-formed HTTP/1.1.' };
  }
}

/**
 * Answers what Node's HTTP parser refuses before any Fastify code runs (a malformed request
 * line, a conflicting Content-Length, Transfer-Encoding with Content-Length, oversized headers),
 * which Node and Fastify would answer with a body of their own. The response is written raw on
 * the socket, in the CAMARA shape with a new correlator (the request's own could not be read),
 * and the connection is closed: after a parse error the rest of its bytes mean nothing.
 */
export function camaraClientError(error: Error & { code?: string }, socket: Duplex): void {
  // A reset connection, or one already answered and closing: nobody to tell.
  if (error.code === 'ECONNRESET' || !socket.writable) {
    socket.destroy();
    return;
  }
  const body = JSON.stringify(refusal(error));
  const status = JSON.parse(body).status as number;
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\n` +
      'content-type: application/json\r\n' +
      `content-length: ${Buffer.byteLength(body)}\r\n` +
      `x-correlator: ${newCorrelator()}\r\n` +
      'connection: close\r\n\r\n' +
      body,
  );
}

const gates = new WeakMap<FastifyInstance, ShutdownGate>();

/** Starts refusing new requests on this server (a shutdown signal came: see main.ts). */
export function beginShutdown(fastify: FastifyInstance): void {
  gates.get(fastify)?.begin();
}

/**
 * Once shutdown begins, every request is answered 503 UNAVAILABLE with `Connection: close`, so
 * clients and balancers go to another instance, instead of reaching a service whose database
 * and workers are being closed. Registered first, so nothing else runs for such a request.
 */
export class ShutdownGate {
  private closing = false;

  begin(): void {
    this.closing = true;
  }

  register(fastify: FastifyInstance): void {
    gates.set(fastify, this);
    fastify.addHook('onRequest', (_request, reply, done) => {
      if (!this.closing) return done();
      void reply.header('connection', 'close').header('retry-after', '1').header('x-correlator', newCorrelator());
      void sendCamaraError(reply, 503, CODE_BY_STATUS[503], 'The service is shutting down; retry on another instance.');
    });
  }
}
