import { ArgumentsHost, Catch, ExceptionFilter, Logger } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { toCamaraError } from './camara-error';
import { asDatabaseUnavailable, databaseErrorCode } from './database-unavailable';
import { DomainError } from './domain.error';

/**
 * The one global error filter: every error leaves the service as a CAMARA body
 * `{ status, code, message }`. Unexpected errors are logged with their stack and answered 500
 * without internals; a database that is momentarily busy is a 503 with Retry-After.
 */
@Catch()
export class CamaraErrorFilter implements ExceptionFilter {
  private readonly logger = new Logger('Errors');

  catch(thrown: unknown, host: ArgumentsHost): void {
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    // A database momentarily busy (a lock held elsewhere, a timeout) is not our bug: 503, retry.
    const unavailable = asDatabaseUnavailable(thrown);
    if (unavailable) this.logger.warn(`database busy (${databaseErrorCode(thrown)}): answered 503`);
    const error = unavailable ?? thrown;
    const { body, expected } = toCamaraError(error);
    if (!expected) this.logger.error('unexpected error', (error as Error)?.stack ?? String(error));
    if (error instanceof DomainError) void reply.headers(error.headers);
    void reply.status(body.status).header('content-type', 'application/json').send(body);
  }
}
