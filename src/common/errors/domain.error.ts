/**
 * Base of every error the domain raises on purpose. Domain code never throws Nest's
 * HttpException: the global filter maps these to the CAMARA error body
 * `{ status, code, message }`, so the scoring core stays usable from a CLI or a backtest.
 */
export abstract class DomainError extends Error {
  abstract readonly status: number;
  abstract readonly code: string;

  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** 400 INVALID_ARGUMENT: a field of the request is wrong. The message names the field. */
export class InvalidArgumentError extends DomainError {
  readonly status = 400;
  readonly code = 'INVALID_ARGUMENT';
}

/** 404 NOT_FOUND: the resource asked for does not exist. */
export class NotFoundError extends DomainError {
  readonly status = 404;
  readonly code = 'NOT_FOUND';
}
