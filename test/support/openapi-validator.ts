import Ajv, { ValidateFunction } from 'ajv';
import type { HeaderObject, OpenAPIObject, OperationObject, PathItemObject, ReferenceObject, ResponseObject, SchemaObject } from '@nestjs/swagger';
import type { FastifyInstance } from 'fastify';
import type { SuperAgentRequest } from 'superagent';

/**
 * Routes that are served but are not API operations, so the document does not list them:
 * the document and its UI, the static pages of the explorer and `/` (a redirect to them). Kept short on purpose: any
 * other route missing from the document fails the route-coverage test.
 */
export const UNDOCUMENTED_ROUTES: readonly RegExp[] = [/^\/$/, /^\/docs(\/.*)?$/, /^\/explorer(\/.*)?$/];

/** What is checked of a response (superagent's response has it; the server side builds it). */
export interface CheckedResponse {
  status: number;
  headers: Record<string, unknown>;
  /** The media type, without parameters. */
  type: string;
  body: unknown;
  text: string;
}

type Method = 'get' | 'put' | 'post' | 'delete' | 'patch';
const DEFINITIONS = 'openapi.json';

/** OpenAPI's component references, made ajv references into one schema that holds every component. */
function toAjvSchema(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(toAjvSchema);
  if (node === null || typeof node !== 'object') return node;
  return Object.fromEntries(
    Object.entries(node).map(([key, value]) =>
      key === '$ref' && typeof value === 'string' ? [key, value.replace('#/components/schemas/', `${DEFINITIONS}#/definitions/`)] : [key, toAjvSchema(value)],
    ),
  );
}

/**
 * The document leaves its response objects open (clients must accept fields added later);
 * here they are closed, so that a field the service sends without documenting it fails.
 */
function closed(schema: SchemaObject): SchemaObject {
  return schema.type === 'object' && schema.properties && schema.additionalProperties === undefined ? { ...schema, additionalProperties: false } : schema;
}

function newAjv(document: OpenAPIObject): Ajv {
  // Strict: a keyword ajv does not know, or a type mistake in the document, fails the check.
  const ajv = new Ajv({ allErrors: true, strict: true });
  ajv.addKeyword({ keyword: 'example' });
  // A policy's declared inputs carry their unit as an OpenAPI extension.
  ajv.addKeyword({ keyword: 'x-unit' });
  ajv.addFormat('uuid', /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i);
  ajv.addFormat('date', /^\d{4}-\d{2}-\d{2}$/);
  ajv.addFormat('date-time', {
    validate: (value: string) => /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/.test(value) && !Number.isNaN(Date.parse(value)),
  });
  const schemas = Object.fromEntries(Object.entries(document.components?.schemas ?? {}).map(([name, schema]) => [name, closed(schema as SchemaObject)]));
  ajv.addSchema({ $id: DEFINITIONS, definitions: toAjvSchema(schemas) });
  return ajv;
}

/** The object a local reference (`#/components/responses/Internal`) points at, or the object itself. */
export function resolved<T>(document: OpenAPIObject, object: T | ReferenceObject | undefined): T {
  if (!object || typeof object !== 'object' || !('$ref' in object)) return object as T;
  const found = object.$ref
    .replace(/^#\//, '')
    .split('/')
    .reduce<unknown>((node, key) => (node as Record<string, unknown> | undefined)?.[key], document);
  if (found === undefined) throw new Error(`OpenAPI: ${object.$ref} does not resolve`);
  return found as T;
}

/** `/v1/decisions/{id}` -> a matcher of concrete paths; literal segments win over parameters. */
function templateMatcher(template: string): { template: string; params: number; test: (path: string) => boolean } {
  const segments = template.split('/');
  return {
    template,
    params: segments.filter((s) => s.startsWith('{')).length,
    test: (path) => {
      const parts = path.split('/');
      return parts.length === segments.length && segments.every((s, i) => (s.startsWith('{') ? parts[i] !== '' : s === parts[i]));
    },
  };
}

/** Checks responses against the OpenAPI document: status documented for the operation, headers, body schema. */
export class OpenApiResponseValidator {
  private readonly ajv: Ajv;
  private readonly templates: ReturnType<typeof templateMatcher>[];
  private readonly compiled = new Map<string, ValidateFunction>();

  constructor(readonly document: OpenAPIObject) {
    this.ajv = newAjv(document);
    this.templates = Object.keys(document.paths)
      .map(templateMatcher)
      .sort((a, b) => a.params - b.params);
  }

  /** The problem with a response, or undefined when the document allows it. */
  check(method: string, path: string, response: CheckedResponse): string | undefined {
    const where = `${method} ${path} -> ${response.status}`;
    if (UNDOCUMENTED_ROUTES.some((route) => route.test(path))) return undefined;
    const template = this.templates.find((t) => t.test(path))?.template;
    const operation = template ? (this.document.paths[template] as PathItemObject)[method.toLowerCase() as Method] : undefined;
    if (!template || !operation) {
      // Not an operation of the API: only the CAMARA 404 may answer it.
      return response.status === 404 ? this.problemWithBody(where, { $ref: '#/components/schemas/ErrorInfo' }, response.body) : `${where}: no such operation in the document`;
    }
    return this.problemWithResponse(`${method} ${template} -> ${response.status}`, operation, response);
  }

  private problemWithResponse(where: string, operation: OperationObject, response: CheckedResponse): string | undefined {
    const found = operation.responses[String(response.status)] ?? operation.responses.default;
    if (!found) return `${where}: status not documented (documented: ${Object.keys(operation.responses).join(', ')})`;
    const documented = resolved<ResponseObject>(this.document, found);
    for (const [name, header] of Object.entries(documented.headers ?? {})) {
      if (resolved<HeaderObject>(this.document, header).required && response.headers[name.toLowerCase()] === undefined) return `${where}: header ${name} missing`;
    }
    const content = documented.content;
    if (!content) return response.text ? `${where}: a body, where the document says none` : undefined;
    const media = content[response.type];
    if (!media) return `${where}: content type ${response.type || '(none)'} not documented (documented: ${Object.keys(content).join(', ')})`;
    return media.schema && response.type === 'application/json' ? this.problemWithBody(where, media.schema, response.body) : undefined;
  }

  private problemWithBody(where: string, schema: SchemaObject | ReferenceObject, body: unknown): string | undefined {
    const problem = this.checkValue(schema, body);
    return problem && `${where}: body does not match the document: ${problem}\n${JSON.stringify(body).slice(0, 2000)}`;
  }

  /** Why a value does not match a schema of the document (closed as above), or undefined. */
  checkValue(schema: SchemaObject | ReferenceObject, value: unknown): string | undefined {
    const key = JSON.stringify(schema);
    let validate = this.compiled.get(key);
    if (!validate) {
      validate = this.ajv.compile(toAjvSchema(schema) as object);
      this.compiled.set(key, validate);
    }
    if (validate(value)) return undefined;
    return (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message}${e.params ? ` ${JSON.stringify(e.params)}` : ''}`).join('; ');
  }
}

/**
 * A superagent plugin (`agent.use(...)`): each response is checked against the document, and a
 * response the document does not allow fails the request, so the test that made it fails.
 * Assertion failures of the test itself are reported first, unchanged. `reported` hears each
 * problem found, with the response's correlator (the recorder below then does not report it again).
 */
export function conformsTo(validator: OpenApiResponseValidator, reported?: (correlator: string, problem: string) => void): (request: SuperAgentRequest) => void {
  return (request) => {
    const end = request.end.bind(request);
    request.end = (callback) =>
      end((error, response) => {
        const problem = !error && response ? validator.check(request.method, new URL(request.url).pathname, response) : undefined;
        if (problem && response) reported?.(String(response.headers['x-correlator']), problem);
        callback?.(problem ? new Error(`OpenAPI: ${problem}`) : error, response);
      });
  };
}

/**
 * The server side of the same check, for the requests that do not go through t.http()
 * (supertest on the server, inject, fetch): every response the application sends is checked,
 * and what the document does not allow is kept until `problems()` (asserted when the test
 * app closes), by correlator. Fastify's own early refusals (a bad URL encoding, an over-long
 * path parameter: `frameworkErrors`) run no hook: only the client side sees those.
 */
export class ResponseRecorder {
  private readonly found = new Map<string, string[]>();
  validator?: OpenApiResponseValidator;

  register(fastify: FastifyInstance): void {
    fastify.addHook('onSend', (request, reply, payload, done) => {
      if (this.validator && (typeof payload === 'string' || payload === null || payload === undefined)) {
        const type = String(reply.getHeader('content-type') ?? '').split(';')[0].trim();
        let body: unknown = payload;
        try {
          body = type === 'application/json' && payload ? JSON.parse(payload) : payload;
        } catch {
          // Left as text: the schema check reports it.
        }
        const headers = Object.fromEntries(Object.entries(reply.getHeaders()).map(([name, value]) => [name.toLowerCase(), value]));
        const problem = this.validator.check(request.method, request.url.split('?')[0], { status: reply.statusCode, headers, type, body, text: payload ?? '' });
        const correlator = String(reply.getHeader('x-correlator'));
        if (problem) this.found.set(correlator, [...(this.found.get(correlator) ?? []), problem]);
      }
      done(null, payload);
    });
  }

  /** A problem the client reported to its test already. */
  reported(correlator: string, problem: string): void {
    const problems = this.found.get(correlator) ?? [];
    const index = problems.indexOf(problem);
    if (index >= 0) problems.splice(index, 1);
  }

  problems(): string[] {
    return [...this.found.values()].flat();
  }
}
