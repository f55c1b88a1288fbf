import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { monotonicMs } from '../batching/write-attempt';
import { CamaraErrorBody, toCamaraError } from '../errors/camara-error';
import { sendCamaraError } from './camara-reply';
import { contentTypeProblem } from './json-media-type';
import { CORRELATOR_PATTERN, newCorrelator, requestContext } from './request-context';
import { registerStrictJsonParser } from './strict-json';

/** Deeper JSON is refused before any recursive code (validation, transformation) sees it. */
export const MAX_JSON_DEPTH = 16;
/**
 * Names that reach object prototypes; never a field of this API. Object.prototype's members too:
 * class-validator's whitelist looks field names up in a plain object, so an unknown field named
 * `hasOwnProperty` (or any such method with parameters) passed forbidNonWhitelisted unnoticed.
 */
export const FORBIDDEN_KEYS: ReadonlySet<string> = new Set([...Object.getOwnPropertyNames(Object.prototype), 'prototype']);

const BODY_METHODS: ReadonlySet<string> = new Set(['POST', 'PUT', 'PATCH']);

function invalid(message: string): CamaraErrorBody {
  return { status: 400, code: 'INVALID_ARGUMENT', message };
}

/**
 * Why a parsed JSON value or query string is refused, or undefined when it is acceptable:
 * too deep, a prototype key, a number out of the double range, or a string that is not
 * well-formed Unicode or holds a NUL (both break the database drivers: a lone surrogate in
 * Prisma's JSON, NUL in PostgreSQL).
 * Iterative, so a hostile depth cannot overflow the stack here either.
 */
export function hostileInput(root: unknown): string | undefined {
  const stack: { value: unknown; depth: number }[] = [{ value: root, depth: 0 }];
  while (stack.length > 0) {
    const { value, depth } = stack.pop() as { value: unknown; depth: number };
    if (typeof value === 'string') {
      if (!value.isWellFormed() || value.includes('\u0000')) return 'strings must be well-formed Unicode without NUL characters';
      continue;
    }
    // 1e400 parses to Infinity, which JSON cannot store: it would read back as null.
    if (typeof value === 'number' && !Number.isFinite(value)) return 'numbers must be finite (within about ±1.8e308)';
    if (value === null || typeof value !== 'object') continue;
    if (depth >= MAX_JSON_DEPTH) return `JSON nested deeper than ${MAX_JSON_DEPTH} levels`;
    for (const [key, child] of Object.entries(value)) {
      if (FORBIDDEN_KEYS.has(key)) return `unknown field "${key}"`;
      if (!key.isWellFormed() || key.includes('\u0000')) return 'field names must be well-formed Unicode without NUL characters';
      stack.push({ value: child, depth: depth + 1 });
    }
  }
  return undefined;
}

function refuse(reply: FastifyReply, body: CamaraErrorBody): void {
  void sendCamaraError(reply, body.status, body.code, body.message);
}

/** A header sent once; a repeated one (an array) is ignored, as W3C trace context asks of a malformed traceparent. */
function headerValue(value: string | string[] | undefined): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/**
 * CAMARA x-correlator: validated, echoed on every response (errors included), generated when
 * absent, and carried through the request's async context to every log line. A malformed one
 * is 400 INVALID_ARGUMENT, answered with a new correlator (the bad one cannot be echoed).
 * `emptyIsAbsent`: an empty one matches the pattern but correlates nothing.
 */
export function registerCorrelator(fastify: FastifyInstance, options: { emptyIsAbsent: boolean }): void {
  fastify.addHook('onRequest', (request, reply, done) => {
    const arrivedAt = monotonicMs();
    const header = request.headers['x-correlator'];
    const given = options.emptyIsAbsent && header === '' ? undefined : header;
    const valid = typeof given === 'string' && CORRELATOR_PATTERN.test(given);
    const correlator = valid ? given : newCorrelator();
    void reply.header('x-correlator', correlator);
    if (given !== undefined && !valid) return refuse(reply, invalid('x-correlator must match ^[a-zA-Z0-9-_:;./<>{}]{0,256}$'));
    // W3C trace context: kept as sent; parsed (or a trace begun) only when a line or a span needs it.
    const { traceparent, tracestate } = request.headers;
    requestContext.run({ correlator, arrivedAt, traceparent: headerValue(traceparent), tracestate: headerValue(tracestate) }, done);
  });
}

/**
 * The checks every request passes before Nest sees it:
 * - CAMARA x-correlator (see registerCorrelator);
 * - bodies: JSON only (a POST, PUT or PATCH without Content-Type: application/json is 415,
 *   before its body is read, with a message that says what to send: Fastify's own would say
 *   "Unsupported Media Type" only), strict (see registerStrictJsonParser), a JSON object (not
 *   an array or a string), and not hostile (see hostileInput); query strings likewise.
 */
export function registerRequestGuards(fastify: FastifyInstance): void {
  fastify.removeContentTypeParser('text/plain');
  registerStrictJsonParser(fastify);
  registerCorrelator(fastify, { emptyIsAbsent: true });
  fastify.addHook('preParsing', (request, reply, payload, done) => {
    // Unknown routes answer 404 whatever their body; every POST, PUT and PATCH route takes a JSON object.
    if (!request.routeOptions.url || !BODY_METHODS.has(request.method)) return done(null, payload);
    const problem = contentTypeProblem(request.headers['content-type']);
    if (problem) return refuse(reply, { status: 415, code: 'UNSUPPORTED_MEDIA_TYPE', message: problem });
    done(null, payload);
  });
  fastify.addHook('preValidation', (request: FastifyRequest, reply, done) => {
    // Unknown routes answer 404 whatever their body.
    if (!request.routeOptions.url) return done();
    const queryProblem = hostileInput(request.query);
    if (queryProblem) return refuse(reply, invalid(queryProblem));
    if (BODY_METHODS.has(request.method)) {
      const body: unknown = request.body;
      if (body === null || typeof body !== 'object' || Array.isArray(body)) {
        return refuse(reply, invalid('The request body must be a JSON object.'));
      }
      const bodyProblem = hostileInput(body);
      if (bodyProblem) return refuse(reply, invalid(bodyProblem));
    }
    done();
  });
}

/**
 * Fastify answers some malformed requests itself, before any hook or route (a bad URL encoding,
 * an over-long path parameter): in the CAMARA shape too, with a correlator.
 */
export function frameworkErrors(error: Error, _request: FastifyRequest, reply: FastifyReply): void {
  void reply.header('x-correlator', newCorrelator());
  refuse(reply, toCamaraError(error).body);
}
