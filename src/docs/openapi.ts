import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { INestApplication } from '@nestjs/common';
import type { FastifyInstance, onSendHookHandler } from 'fastify';
import {
  DocumentBuilder,
  HeaderObject,
  OpenAPIObject,
  OperationObject,
  ParameterObject,
  ReferenceObject,
  RequestBodyObject,
  ResponseObject,
  SwaggerModule,
} from '@nestjs/swagger';
import { CORRELATOR_PATTERN } from '../common/http/request-context';
import { PACKAGE_ROOT } from '../config/package-root';
import { PolicyRegistry } from '../policies/policy.registry';
import { ErrorInfo, errorResponse, ErrorStatus, sharedResponseName } from './error-responses';
import { accessByRoute, RouteAccess } from './route-access';
import { withUseCaseInputs } from './use-case-inputs';

/** Swagger UI; the document itself is at DOCUMENT_PATH. Both are public (not Nest routes: AuthGuard never sees them). */
export const DOCS_PATH = '/docs';
export const DOCUMENT_PATH = '/docs/openapi.json';
const SECURITY_SCHEME = 'apiKey';

const DESCRIPTION = `A fraud decision engine on operator-verified phone-line signals (CAMARA KYC Tenure,
Number Recycling, SIM Swap, Device Swap). \`POST /v1/decisions\` answers a decision (\`ALLOW\`, \`CHALLENGE\`,
\`REVIEW\` or \`BLOCK\`) with its score, reasons, and every signal query it made.

**Authentication.** Every \`/v1\` operation needs an API key, \`Authorization: Bearer lt_...\`, with the scope the
operation names (an \`admin\` key has every scope). Keys are made with \`npm run keys -- create\` or \`POST /v1/keys\`.

**Errors.** Every error has the CAMARA body \`ErrorInfo\` \`{ status, code, message }\`; the message names the field at fault.

**Correlation.** Every response carries \`x-correlator\`: the request's own when it sent a valid one, otherwise a new UUID.
It is on every log line of the request and stored with the decision.`;

const TAGS: [string, string][] = [
  ['decisions', 'Decide on a phone number, read decisions back, label them for backtests.'],
  ['policies', 'The loaded policies, every version ever loaded, shadow candidates and backtests.'],
  ['signals', 'Operator signal usage: calls, cache hits, circuit breakers.'],
  ['cases', 'The review queue: cases opened by decisions sent to review, claimed, noted and resolved by analysts.'],
  ['keys', 'API keys and their scopes.'],
  ['privacy', 'Erasure of the decisions about a person.'],
  ['webhooks', 'Signed webhooks: subscriptions, their delivery log, replays.'],
  ['health', 'Probes for orchestrators and load balancers (public).'],
  ['metrics', 'Prometheus scrape endpoint (public: protect it at the network level).'],
];

const CORRELATOR_PARAMETER: ParameterObject = {
  name: 'x-correlator',
  in: 'header',
  required: false,
  description: 'Correlates this request across systems; echoed in the response, logged, and stored with a decision.',
  schema: { type: 'string', pattern: CORRELATOR_PATTERN.source, example: 'b4333c46-49c0-4f62-80d7-f0ef930f1c46' },
};

const CORRELATOR_HEADER: HeaderObject = {
  required: true,
  description: "The request's `x-correlator`, or a new UUID when it sent none (or a malformed one).",
  schema: { type: 'string', pattern: CORRELATOR_PATTERN.source },
};

const CORRELATOR_REF: ReferenceObject = { $ref: '#/components/headers/XCorrelator' };

/** The error responses every route (or every route of a kind) shares; see completeOperation. */
const SHARED_ERRORS: ErrorStatus[] = [400, 401, 403, 413, 414, 415, 429, 500];

function addShared(operation: OperationObject, status: ErrorStatus): void {
  operation.responses[status] ??= { $ref: `#/components/responses/${sharedResponseName(status)}` };
}

/**
 * What every route shares, added here rather than on each handler because it is implemented
 * once for all of them: the correlator (request hook), 400 and 500 (request guards, error
 * filter), 413 and 415 (body parser), 414 (Fastify's router, for path parameters), and for
 * protected routes the security requirement with 401, 403 and 429 (AuthGuard).
 */
function completeOperation(path: string, operation: OperationObject, access: RouteAccess): void {
  operation.parameters = [...(operation.parameters ?? []), { $ref: '#/components/parameters/XCorrelator' }];
  addShared(operation, 400);
  if (operation.requestBody) [413, 415].forEach((status) => addShared(operation, status as ErrorStatus));
  if (path.includes('{')) addShared(operation, 414);
  if (access.public) {
    operation.security = [];
    operation.description = [operation.description, 'Public: no API key needed.'].filter(Boolean).join('\n\n');
  } else {
    operation.security = [{ [SECURITY_SCHEME]: [] }];
    const scope = access.scope === null ? '**Scope:** none: any valid API key.' : `**Scope:** \`${access.scope}\` (an \`admin\` key has every scope).`;
    operation.description = [operation.description, scope].filter(Boolean).join('\n\n');
    [401, 403, 429].forEach((status) => addShared(operation, status as ErrorStatus));
  }
  addShared(operation, 500);
  const sorted = Object.entries(operation.responses).sort(([a], [b]) => a.localeCompare(b));
  operation.responses = Object.fromEntries(
    sorted.map(([status, response]) => {
      const object = response as ResponseObject | ReferenceObject;
      return '$ref' in object ? [status, object] : [status, { ...object, headers: { ...object.headers, 'x-correlator': CORRELATOR_REF } }];
    }),
  );
}

/** The validation pipe refuses unknown fields (forbidNonWhitelisted): request bodies are closed objects. */
function closeRequestBody(document: OpenAPIObject, operation: OperationObject): void {
  const schema = (operation.requestBody as RequestBodyObject | undefined)?.content['application/json']?.schema as ReferenceObject | undefined;
  const target = schema?.$ref ? document.components?.schemas?.[schema.$ref.replace('#/components/schemas/', '')] : undefined;
  if (target && !('$ref' in target)) target.additionalProperties = false;
}

/** The OpenAPI document of the running application, from its controllers' and DTOs' decorators. */
function buildOpenApiDocument(app: INestApplication): OpenAPIObject {
  const { version } = JSON.parse(readFileSync(join(PACKAGE_ROOT, 'package.json'), 'utf8')) as { version: string };
  const builder = new DocumentBuilder()
    .setTitle('LineTrust API')
    .setDescription(DESCRIPTION)
    .setVersion(version)
    .setLicense('Apache-2.0', 'https://www.apache.org/licenses/LICENSE-2.0')
    .addServer('/', 'This LineTrust instance')
    .addBearerAuth(
      { type: 'http', scheme: 'bearer', bearerFormat: 'lt_<id>_<secret>', description: 'An API key, `lt_<16 hex digits>_<43 base64url characters>`: `Authorization: Bearer lt_...`.' },
      SECURITY_SCHEME,
    );
  for (const [name, description] of TAGS) builder.addTag(name, description);
  const document = SwaggerModule.createDocument(app, builder.build(), { extraModels: [ErrorInfo] });
  document.components = {
    ...document.components,
    parameters: { XCorrelator: CORRELATOR_PARAMETER },
    headers: { XCorrelator: CORRELATOR_HEADER },
    responses: Object.fromEntries(
      SHARED_ERRORS.map((status) => {
        const response = errorResponse(status);
        return [sharedResponseName(status), { ...response, headers: { ...response.headers, 'x-correlator': CORRELATOR_REF } }];
      }),
    ),
  };
  const access = accessByRoute(app);
  for (const [path, item] of Object.entries(document.paths)) {
    for (const method of ['get', 'put', 'post', 'delete', 'patch'] as const) {
      const operation = item[method];
      if (!operation) continue;
      const found = access.get(`${method} ${path}`);
      // Fail closed: an operation whose protection cannot be read is not published as public.
      if (!found) throw new Error(`OpenAPI: cannot tell how ${method.toUpperCase()} ${path} is protected`);
      completeOperation(path, operation, found);
      closeRequestBody(document, operation);
    }
  }
  return document;
}

/**
 * Swagger UI's Authorize dialog takes an API key, and its "Try it out" sends requests with it:
 * another site must not frame the page and trick a user into typing or using a key there
 * (clickjacking). X-Frame-Options for older browsers, the CSP directive for current ones.
 */
const DOCS_FRAMING_HEADERS = { 'x-frame-options': 'DENY', 'content-security-policy': "frame-ancestors 'none'" };

function isUnderDocs(url: string): boolean {
  return url === DOCS_PATH || url.startsWith(`${DOCS_PATH}/`);
}

const addFramingHeaders: onSendHookHandler = (_request, reply, payload, done) => {
  void reply.headers(DOCS_FRAMING_HEADERS);
  done(null, payload);
};

/** Serves Swagger UI at /docs and the document at /docs/openapi.json (from swagger-ui-dist: nothing is fetched at runtime). */
export function setupApiDocs(app: INestApplication): void {
  const document = buildOpenApiDocument(app);
  // The UI, its assets and the document are served by @fastify/static and plain routes, not
  // Nest handlers: the headers go on those routes as they are registered, so that no other
  // route (POST /v1/decisions) pays for a hook.
  const fastify: FastifyInstance = app.getHttpAdapter().getInstance();
  fastify.addHook('onRoute', (route) => {
    if (isUnderDocs(route.url)) route.onSend = [...[route.onSend ?? []].flat(), addFramingHeaders];
  });
  const policies = app.get(PolicyRegistry);
  SwaggerModule.setup(DOCS_PATH, app, document, {
    jsonDocumentUrl: DOCUMENT_PATH,
    // Each use case's declared context, from the policies loaded now (they change live).
    patchDocumentOnRequest: (_request, _reply, base) => withUseCaseInputs(base, policies.list()),
    raw: ['json'],
    customSiteTitle: 'LineTrust API',
    // No online validator badge: it would send the document's URL to validator.swagger.io.
    swaggerOptions: { validatorUrl: null, displayOperationId: true },
  });
}
