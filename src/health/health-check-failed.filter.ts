import { ArgumentsHost, Catch, ExceptionFilter, ServiceUnavailableException } from '@nestjs/common';
import type { FastifyReply } from 'fastify';

/**
 * Terminus answers "not ready" by throwing a 503 whose response is its per-component body.
 * The global CAMARA filter would turn any 5xx exception into a bare 500 INTERNAL: orchestrators
 * need the 503, and people the components. Health is not a CAMARA API; its body is terminus's.
 */
@Catch(ServiceUnavailableException)
export class HealthCheckFailedFilter implements ExceptionFilter {
  catch(error: ServiceUnavailableException, host: ArgumentsHost): void {
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    void reply.status(503).header('content-type', 'application/json').send(error.getResponse());
  }
}
