import { ArgumentsHost, Catch, ExceptionFilter, Logger } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { toCamaraError } from './camara-error';
import { DomainError } from './domain.error';

/**
 * The one global error filter: every error leaves the service as a CAMARA body
 * `{ status, code, message }`. Unexpected errors are logged with their stack and answered 500
 * without internals.
 */
@Catch()
export class CamaraErrorFilter implements ExceptionFilter {
  private readonly logger = new Logger('Errors');

  catch(error: unknown, host: ArgumentsHost): void {
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    const { body, expected } = toCamaraError(error);
    if (!expected) this.logger.error('unexpected error', (error as Error)?.stack ?? String(error));
    if (error instanceof DomainError) void reply.headers(error.headers);
    void reply.status(body.status).header('content-type', 'application/json').send(body);
  }
}
