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

  /** Response headers the error carries (Retry-After of a 429). */
  get headers(): Record<string, string> {
    return {};
  }
}

/** 400 INVALID_ARGUMENT: a field of the request is wrong. The message names the field. */
export class InvalidArgumentError extends DomainError {
  readonly status = 400;
  readonly code = 'INVALID_ARGUMENT';
}

/** 415 UNSUPPORTED_MEDIA_TYPE: the body is not sent as JSON. The message says what to send. */
export class UnsupportedMediaTypeError extends DomainError {
  readonly status = 415;
  readonly code = 'UNSUPPORTED_MEDIA_TYPE';
}

/** 404 NOT_FOUND: the resource asked for does not exist. */
export class NotFoundError extends DomainError {
  readonly status = 404;
  readonly code = 'NOT_FOUND';
}

/** 401 UNAUTHENTICATED: no API key, or one the service does not accept (never says which). */
export class UnauthenticatedError extends DomainError {
  readonly status = 401;
  readonly code = 'UNAUTHENTICATED';
}

/** 403 PERMISSION_DENIED: the API key lacks the scope or the use case. */
export class PermissionDeniedError extends DomainError {
  readonly status = 403;
  readonly code = 'PERMISSION_DENIED';
}

/** 409 CONFLICT: the request contradicts an earlier one (an Idempotency-Key reused). */
export class ConflictError extends DomainError {
  readonly status = 409;
  readonly code = 'CONFLICT';
}

/** 429 TOO_MANY_REQUESTS, with the seconds to wait (sent as Retry-After). */
export class TooManyRequestsError extends DomainError {
  readonly status = 429;
  readonly code = 'TOO_MANY_REQUESTS';

  constructor(
    message: string,
    readonly retryAfterSeconds: number,
  ) {
    super(message);
  }

  override get headers(): Record<string, string> {
    return { 'retry-after': String(this.retryAfterSeconds) };
  }
}

/**
 * 503 UNAVAILABLE, with the seconds to wait (Retry-After): the service cannot answer this
 * request now (its database did not commit in time, or it is shutting down); a retry may work.
 */
export class UnavailableError extends DomainError {
  readonly status = 503;
  readonly code = 'UNAVAILABLE';

  constructor(
    message: string,
    readonly retryAfterSeconds = 1,
  ) {
    super(message);
  }

  override get headers(): Record<string, string> {
    return { 'retry-after': String(this.retryAfterSeconds) };
  }
}
