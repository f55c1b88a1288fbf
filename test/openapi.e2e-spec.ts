import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runInNewContext, Script } from 'node:vm';
import type { OpenAPIObject, OperationObject, ParameterObject, RequestBodyObject, ResponseObject, SchemaObject } from '@nestjs/swagger';
import request from 'supertest';
import { routesOf } from '../src/common/http/route-table';
import { CheckedResponse, conformsTo, OpenApiResponseValidator, resolved, UNDOCUMENTED_ROUTES } from './support/openapi-validator';
import { startTestApp, TestApp } from './support/test-app';

const METHODS = ['get', 'put', 'post', 'delete', 'patch'] as const;

function operations(document: OpenAPIObject): { method: string; path: string; operation: OperationObject }[] {
  return Object.entries(document.paths).flatMap(([path, item]) =>
    METHODS.filter((method) => item[method]).map((method) => ({ method, path, operation: item[method] as OperationObject })),
  );
}

function refsIn(node: unknown): string[] {
  if (Array.isArray(node)) return node.flatMap(refsIn);
  if (node === null || typeof node !== 'object') return [];
  return Object.entries(node).flatMap(([key, value]) => (key === '$ref' && typeof value === 'string' ? [value] : refsIn(value)));
}

describe('OpenAPI document (e2e)', () => {
  let t: TestApp;
  let document: OpenAPIObject;

  beforeAll(async () => {
    t = await startTestApp();
    document = t.openapi.document;
  });
  afterAll(async () => {
    await t.close();
  });

  it('documents every route the application serves, and nothing it does not serve', () => {
    const routes = routesOf(t.app.getHttpAdapter().getInstance())
      .filter((route) => !UNDOCUMENTED_ROUTES.some((undocumented) => undocumented.test(route.url)))
      .map((route) => `${route.method} ${route.url.replace(/:([A-Za-z0-9_]+)/g, '{$1}')}`);
    const documented = operations(document).map(({ method, path }) => `${method.toUpperCase()} ${path}`);
    expect(routes.length).toBeGreaterThanOrEqual(13);
    expect([...documented].sort()).toEqual([...routes].sort());
  });

  it("documents POST /v1/decisions' body per use case, discriminated by useCase, with each policy's declared context", () => {
    const body = resolved<RequestBodyObject>(document, document.paths['/v1/decisions'].post?.requestBody).content['application/json'].schema as SchemaObject;
    const useCases = ['account_recovery', 'onboarding', 'p2p_recipient'];
    expect(body.discriminator).toEqual({ propertyName: 'useCase', mapping: Object.fromEntries(useCases.map((id) => [id, `#/components/schemas/DecisionRequest.${id}`])) });
    expect(body.oneOf).toHaveLength(3);
    const p2p = document.components!.schemas!['DecisionRequest.p2p_recipient'] as SchemaObject;
    const own = p2p.allOf![1] as SchemaObject;
    expect(p2p.allOf![0]).toEqual({ $ref: '#/components/schemas/DecisionRequest' });
    expect(own.required).toEqual(['useCase', 'context']);
    expect(own.properties!.useCase).toEqual({ type: 'string', enum: ['p2p_recipient'] });
    expect(own.properties!.context).toMatchObject({
      type: 'object',
      required: ['amount', 'currency'],
      additionalProperties: false,
      properties: { amount: { type: 'integer', minimum: 1, 'x-unit': 'minor units of the currency' }, currency: { type: 'string', enum: ['EUR', 'GBP', 'USD'] } },
    });
    const onboarding = (document.components!.schemas!['DecisionRequest.onboarding'] as SchemaObject).allOf![1] as SchemaObject;
    expect(onboarding.required).toEqual(['useCase']);
    expect(onboarding.properties!.context).toMatchObject({ properties: {}, additionalProperties: false });
  });

  it('serves Swagger UI at /docs and the document at /docs/openapi.json without a key, while /v1 still needs one', async () => {
    const server = t.app.getHttpServer();
    const ui = await request(server).get('/docs').expect(200);
    expect(ui.type).toBe('text/html');
    expect(ui.text).toContain('swagger-ui-bundle.js');
    // The UI's assets come from the package (swagger-ui-dist), not from the network.
    expect((await request(server).get('/docs/swagger-ui-bundle.js').expect(200)).type).toBe('application/javascript');
    const raw = await request(server).get('/docs/openapi.json').expect(200);
    expect(raw.type).toBe('application/json');
    expect(JSON.parse(raw.text)).toEqual(document);
    await request(server).get('/v1/policies').expect(401);
  });

  it('serves a Swagger UI script that parses, with the document embedded intact', async () => {
    // @nestjs/swagger inlines the document with String.replace, where `$` followed by a backtick,
    // a quote or & in any description is a replacement pattern: one broke the UI into a blank page.
    const init = await request(t.app.getHttpServer()).get('/docs/swagger-ui-init.js').expect(200);
    expect(() => new Script(init.text)).not.toThrow();
    // Run it with a stand-in for Swagger UI that keeps what it is given.
    let given: { spec?: unknown } = {};
    const SwaggerUIBundle = Object.assign((options: { spec?: unknown }) => ((given = options), {}), { presets: { apis: {} }, plugins: { DownloadUrl: {} } });
    const window: { onload?: () => void; location: { search: string; origin: string } } = { location: { search: '', origin: 'http://localhost' } };
    runInNewContext(init.text, { window, SwaggerUIBundle, SwaggerUIStandalonePreset: {} });
    window.onload?.();
    expect(given.spec).toEqual(document);
  });

  it.each(['/docs', '/docs/', '/docs/index.html?x=1', '/docs/swagger-ui-init.js', '/docs/swagger-ui-bundle.js', '/docs/openapi.json', '/docs/no-such-file'])(
    '%s may not be framed by another site (its Authorize dialog takes an API key)',
    async (url) => {
      const response = await request(t.app.getHttpServer()).get(url);
      expect(response.status).toBeLessThan(500);
      expect(response.headers).toMatchObject({ 'x-frame-options': 'DENY', 'content-security-policy': "frame-ancestors 'none'" });
    },
  );

  it('is an OpenAPI 3 document with the API key scheme, and every /v1 operation needs a key', () => {
    const { version } = JSON.parse(readFileSync(join(__dirname, '..', 'package.json'), 'utf8')) as { version: string };
    expect(document.openapi).toMatch(/^3\.0\.\d+$/);
    expect(document.info).toMatchObject({ title: 'LineTrust API', version });
    expect(document.components?.securitySchemes?.apiKey).toMatchObject({ type: 'http', scheme: 'bearer' });
    const v1 = operations(document).filter(({ path }) => path.startsWith('/v1/'));
    expect(v1.length).toBeGreaterThanOrEqual(13);
    for (const { method, path, operation } of v1) {
      expect({ operation: `${method} ${path}`, security: operation.security, responses: Object.keys(operation.responses) }).toEqual({
        operation: `${method} ${path}`,
        security: [{ apiKey: [] }],
        responses: expect.arrayContaining(['400', '401', '403', '429', '500']),
      });
      expect(resolved<ResponseObject>(document, operation.responses['429']).headers).toHaveProperty('Retry-After');
    }
  });

  it('names, describes and tags every operation, and declares its path parameters', () => {
    const tags = new Set((document.tags ?? []).map((tag) => tag.name));
    const ids = new Set<string>();
    for (const { method, path, operation } of operations(document)) {
      const where = `${method} ${path}`;
      expect({ where, id: operation.operationId, summary: operation.summary }).toEqual({ where, id: expect.stringMatching(/^[a-z][A-Za-z]+$/), summary: expect.any(String) });
      expect(ids.has(operation.operationId as string)).toBe(false);
      ids.add(operation.operationId as string);
      expect({ where, tags: operation.tags?.filter((tag) => !tags.has(tag)) }).toEqual({ where, tags: [] });
      const declared = (operation.parameters as ParameterObject[]).filter((p) => p.in === 'path' && p.required).map((p) => p.name);
      expect({ where, params: declared.sort() }).toEqual({ where, params: [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort() });
      for (const [status, response] of Object.entries(operation.responses)) {
        expect({ where, status, description: resolved<ResponseObject>(document, response).description }).toEqual({ where, status, description: expect.any(String) });
      }
    }
  });

  it('fails the responses of the e2e tests that the document does not allow', async () => {
    // A real response passes through t.http(); the same response altered must not.
    const policies = await t.http().get('/v1/policies').expect(200);
    const real: CheckedResponse = { status: policies.status, headers: policies.headers, type: policies.type, body: policies.body, text: policies.text };
    expect(t.openapi.check('GET', '/v1/policies', real)).toBeUndefined();
    const altered: [string, Partial<CheckedResponse>, RegExp][] = [
      ['an undocumented field', { body: { ...policies.body, extra: 1 } }, /must NOT have additional properties/],
      ['a missing field', { body: { items: policies.body.items } }, /must have required property 'refused'/],
      ['a wrong type', { body: { ...policies.body, items: [{ ...policies.body.items[0], rules: 'all' }] } }, /\/items\/0\/rules must be array/],
      ['an undocumented status', { status: 418 }, /status not documented/],
      ['no x-correlator', { headers: { ...policies.headers, 'x-correlator': undefined } }, /header x-correlator missing/],
      ['an undocumented content type', { type: 'text/html' }, /content type text\/html not documented/],
    ];
    for (const [what, change, problem] of altered) {
      expect({ what, problem: t.openapi.check('GET', '/v1/policies', { ...real, ...change }) }).toEqual({ what, problem: expect.stringMatching(problem) });
    }
    expect(t.openapi.check('GET', '/v1/nothing-here', { ...real, status: 200 })).toMatch(/no such operation/);
    // Through the agent plugin, the request itself fails: with a document that lacks its 200.
    const without200 = structuredClone(document);
    delete without200.paths['/v1/policies'].get?.responses['200'];
    const agent = request.agent(t.app.getHttpServer()).set(t.auth).use(conformsTo(new OpenApiResponseValidator(without200)));
    await expect(agent.get('/v1/policies').expect(200)).rejects.toThrow('OpenAPI: GET /v1/policies -> 200: status not documented');
  });

  it('fails, when the app closes, the responses that other clients got and the document does not allow', async () => {
    const other = await startTestApp();
    // The document of this app (only) loses two responses that the requests below get.
    delete other.openapi.document.paths['/v1/policies'].get?.responses['200'];
    delete other.openapi.document.paths['/v1/decisions/{id}'].get?.responses['404'];
    try {
      await request(other.app.getHttpServer()).get('/v1/policies').set(other.auth).expect(200);
      expect((await other.app.inject({ method: 'GET', url: '/v1/decisions/nothing', headers: other.auth })).statusCode).toBe(404);
    } finally {
      await expect(other.close()).rejects.toThrow(
        /^OpenAPI: responses the document does not allow:\nGET \/v1\/policies -> 200: status not documented.*\nGET \/v1\/decisions\/\{id\} -> 404: status not documented/,
      );
    }
  });

  it('resolves every reference', () => {
    const refs = refsIn(document);
    expect(refs).toEqual(expect.arrayContaining(['#/components/schemas/Decision', '#/components/responses/Unauthenticated', '#/components/headers/XCorrelator']));
    expect(refs.filter((ref) => !ref.startsWith('#/components/')).concat(refs.flatMap((ref) => {
      try {
        resolved(document, { $ref: ref });
        return [];
      } catch {
        return [ref];
      }
    }))).toEqual([]);
  });

  it('has schemas that a strict JSON Schema validator compiles', () => {
    const names = Object.keys(document.components?.schemas ?? {});
    expect(names).toEqual(expect.arrayContaining(['ErrorInfo', 'Decision', 'DecisionRequest', 'DecisionPage']));
    for (const name of names) expect(() => t.openapi.checkValue({ $ref: `#/components/schemas/${name}` }, null)).not.toThrow();
  });

  it('gives examples that its own schemas accept', () => {
    const problems: string[] = [];
    for (const { method, path, operation } of operations(document)) {
      for (const [status, response] of Object.entries(operation.responses)) {
        const media = resolved<ResponseObject>(document, response).content?.['application/json'];
        if (media?.example === undefined || !media.schema) continue;
        const problem = t.openapi.checkValue(media.schema, media.example);
        if (problem) problems.push(`${method} ${path} -> ${status}: ${problem}`);
      }
    }
    for (const [name, schema] of Object.entries(document.components?.schemas ?? {})) {
      for (const [property, propertySchema] of Object.entries((schema as SchemaObject).properties ?? {})) {
        const { example } = propertySchema as SchemaObject;
        if (example === undefined || '$ref' in propertySchema || (propertySchema as SchemaObject).allOf) continue;
        const problem = t.openapi.checkValue(propertySchema as SchemaObject, example);
        if (problem) problems.push(`${name}.${property}: ${problem}`);
      }
    }
    expect(problems).toEqual([]);
  });
});
