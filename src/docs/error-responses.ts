import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiResponse, ApiSchema, getSchemaPath, ResponseObject, SchemaObject } from '@nestjs/swagger';
import { CamaraErrorBody, CODE_BY_STATUS } from '../common/errors/camara-error';

/** The error statuses this API answers, with what each means and a message it really sends. */
const ERRORS = {
  400: {
    description: 'A bad, `null` or unknown field or query parameter (the message names it), malformed or hostile JSON, or a malformed `x-correlator` header.',
    example: 'phoneNumber must be E.164, matching ^\\+[1-9][0-9]{4,14}$',
  },
  401: {
    description: 'No API key, or one the service does not accept (it never says which).',
    example: 'A valid API key is required: Authorization: Bearer <key>.',
  },
  403: {
    description: 'The API key lacks the scope of the operation, or may not use this use case.',
    example: 'This API key lacks the scope decisions:read.',
  },
  404: { description: 'No such resource.', example: 'decision 01a20149-7354-70d1-94a1-d52bc3b0c889 not found' },
  409: { description: 'The request contradicts an earlier one.', example: 'A request with this Idempotency-Key is still being processed; retry later.' },
  413: { description: 'The request body exceeds `BODY_LIMIT_BYTES`.', example: 'The request body is too large.' },
  414: {
    description: 'A path parameter longer than 100 characters.',
    example: "'/v1/decisions/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa' is exceeding the max param length",
  },
  415: {
    description: 'The request is not sent as JSON: no `Content-Type`, another media type (forms included), or a charset other than UTF-8. The message says what to send.',
    example: 'The request has no Content-Type. Send the body as JSON, with Content-Type: application/json.',
  },
  429: {
    description: "The API key's rate limit is exceeded: wait the `Retry-After` seconds.",
    example: 'Rate limit of this API key exceeded; retry later.',
  },
  500: { description: 'Anything unexpected: logged with its stack, answered without details.', example: 'Internal server error.' },
  503: {
    description: 'The service cannot answer now (its database did not commit in time, or it is shutting down): nothing was stored; retry after `Retry-After` seconds.',
    example: 'The decision could not be stored in time, so it was not made; retry later.',
  },
} as const;

export type ErrorStatus = keyof typeof ERRORS;

/** The name of a status's shared response in the document's components: `INVALID_ARGUMENT` -> `InvalidArgument`. */
export function sharedResponseName(status: ErrorStatus): string {
  return CODE_BY_STATUS[status]
    .toLowerCase()
    .replace(/(^|_)([a-z])/g, (_match, _sep: string, letter: string) => letter.toUpperCase());
}

/** Every CAMARA code the service may answer, once each, in status order. */
const ERROR_CODES = [...new Set(Object.values(CODE_BY_STATUS))];

@ApiSchema({ name: 'ErrorInfo', description: 'The CAMARA error body that every error response carries.' })
export class ErrorInfo implements CamaraErrorBody {
  @ApiProperty({ description: 'The HTTP status of the response, repeated.', type: 'integer', minimum: 400, maximum: 599, example: 400 })
  status!: number;

  @ApiProperty({ description: 'The CAMARA error code of the status.', enum: ERROR_CODES, enumName: 'ErrorCode', example: 'INVALID_ARGUMENT' })
  code!: string;

  @ApiProperty({ description: 'What went wrong, for people: it names the field at fault and never reveals internals.', example: ERRORS[400].example })
  message!: string;
}

/** ErrorInfo narrowed to one status and its code, so a client (and the e2e check) knows which body comes with which status. */
function errorSchema(status: ErrorStatus): SchemaObject {
  return {
    allOf: [
      { $ref: getSchemaPath(ErrorInfo) },
      { type: 'object', properties: { status: { type: 'integer', enum: [status] }, code: { type: 'string', enum: [CODE_BY_STATUS[status]] } } },
    ],
  };
}

const RETRY_AFTER_HEADER = {
  'Retry-After': { description: 'Seconds to wait before the next request with this API key.', schema: { type: 'integer', minimum: 1 } },
};

const RETRY_LATER_HEADER = {
  'Retry-After': { description: 'Seconds to wait before retrying.', schema: { type: 'integer', minimum: 1 } },
};

/** The whole response object of an error status (the shared ones, and the base of a route's own). */
export function errorResponse(status: ErrorStatus, description: string = ERRORS[status].description, message: string = ERRORS[status].example): ResponseObject {
  return {
    description,
    ...(status === 429 ? { headers: RETRY_AFTER_HEADER } : status === 503 ? { headers: RETRY_LATER_HEADER } : {}),
    content: { 'application/json': { schema: errorSchema(status), example: { status, code: CODE_BY_STATUS[status], message } } },
  };
}

/**
 * The errors a route answers besides those every route shares (added where the document is
 * built: 400, 500, and for routes that need a key 401, 403, 429; 413 and 415 for bodies; 414
 * for path parameters). A status given here replaces the shared response, with the route's
 * own description, or a [description, example message] pair.
 */
export function ApiErrors(errors: Partial<Record<ErrorStatus, string | [string, string]>>): MethodDecorator & ClassDecorator {
  return applyDecorators(
    ...Object.entries(errors).map(([key, spec]) => {
      const status = Number(key) as ErrorStatus;
      const [description, message] = typeof spec === 'string' ? [spec, undefined] : spec;
      const { content, ...rest } = errorResponse(status, description, message);
      const media = content?.['application/json'];
      return ApiResponse({ status, ...rest, schema: media?.schema as SchemaObject, example: media?.example });
    }),
  );
}
