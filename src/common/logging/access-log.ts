import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AuthenticatedRequest } from '../../auth/auth.decorators';
import type { StructuredLogger } from './structured-logger';

/** What the access line says of a request, under `http` in the JSON line. */
interface AccessFields {
  method: string;
  /** The route's pattern (`/v1/decisions/:id`), or the path of a request no route matched. */
  route: string;
  status: number;
  durationMs: number;
  /** The API key that authenticated the request (its id, not a secret), when one did. */
  keyId?: string;
}

/**
 * The route pattern, never the URL: query strings (`?phoneNumber=`) and path parameters are
 * the caller's input. A path no route matched is logged for diagnosis, with its digit runs
 * hidden, since a number may arrive there without the `+` that the line redaction looks for.
 */
function accessRoute(request: FastifyRequest): string {
  const pattern = request.routeOptions.url;
  if (pattern !== undefined) return pattern;
  const path = request.url.split('?', 1)[0].slice(0, 200);
  return path.replace(/[0-9]{5,}/g, (digits) => '*'.repeat(digits.length));
}

function accessFields(request: FastifyRequest, reply: FastifyReply, elapsedMs: number): AccessFields {
  const keyId = (request as AuthenticatedRequest).principal?.keyId;
  return {
    method: request.method,
    route: accessRoute(request),
    status: reply.statusCode,
    durationMs: Math.round(elapsedMs * 10) / 10,
    ...(keyId === undefined ? {} : { keyId }),
  };
}

type FrameworkErrorHandler = (error: Error, request: FastifyRequest, reply: FastifyReply) => void;

/**
 * One line per answered request, refusals by the request guards and 404s included: a
 * Fastify hook sees them, where Nest middleware (pino-http's, as nestjs-pino mounts it) runs
 * after those guards and sees only the raw Node request, without its route or its API key.
 * The correlator is read from the reply: by the time Fastify reports the response, the
 * request's async context may be gone.
 */
export class AccessLog {
  constructor(private readonly logger: StructuredLogger) {}

  register(fastify: FastifyInstance): void {
    fastify.addHook('onResponse', (request, reply, done) => {
      this.write(request, reply, reply.elapsedTime);
      done();
    });
  }

  /** URLs Fastify refuses before routing (bad percent-encoding) run no hook: logged from here. */
  wrapFrameworkErrors(handler: FrameworkErrorHandler): FrameworkErrorHandler {
    return (error, request, reply) => {
      const started = performance.now();
      reply.raw.once('finish', () => this.write(request, reply, performance.now() - started));
      handler(error, request, reply);
    };
  }

  private write(request: FastifyRequest, reply: FastifyReply, elapsedMs: number): void {
    const http = accessFields(request, reply, elapsedMs);
    const correlator = reply.getHeader('x-correlator');
    const line = { context: 'AccessLog', ...(typeof correlator === 'string' ? { correlator } : {}), http };
    const text = `${http.method} ${http.route} ${http.status} ${http.durationMs}ms${http.keyId ? ` key ${http.keyId}` : ''}`;
    // A 5xx is also logged, with its stack, by the error filter: this line ties it to its request.
    if (http.status >= 500) this.logger.pino.error(line, text);
    else this.logger.pino.info(line, text);
  }
}
