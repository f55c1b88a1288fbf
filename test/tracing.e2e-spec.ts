import { createServer, IncomingMessage, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { SpanKind } from '@opentelemetry/api';
import { InMemorySpanExporter, ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { LogSink, StructuredLogger } from '../src/common/logging/structured-logger';
import { LINE, NOW, TEST_LINES } from './support/lines';
import { CLIENT_ID, CLIENT_SECRET, Sandbox, startSandbox } from './support/sandbox-harness';
import { runKeysCli } from '../src/cli/keys-cli';
import { KEY_IN_TEXT } from '../src/auth/api-key-secret';
import { Instance, startInstance, waitReady } from './support/fleet';
import { starterRulesDir } from './support/starter-rules';
import { startTestApp, TestApp } from './support/test-app';
import { createTestDatabase, TestDatabase } from './support/test-database';

const TRACE_ID = '0af7651916cd43dd8448eb211c80319c';
const CALLER_SPAN = 'b7ad6b7169203331';
const CALLER = `00-${TRACE_ID}-${CALLER_SPAN}-01`;
/** With trustedSince, the starter policy asks number recycling, SIM swap and device swap of a stable line (not tenure). */
const RECOVERY = { useCase: 'account_recovery', phoneNumber: LINE.established, trustedSince: '2025-01-01' };

/** JSON lines kept in memory. */
class JsonLines implements LogSink {
  readonly lines: string[] = [];
  write(line: string): void {
    this.lines.push(line);
  }
  json(): Record<string, any>[] {
    return this.lines.map((line) => JSON.parse(line) as Record<string, any>);
  }
}

/** The operator's API requests (not its token endpoint), with the trace context they carried. */
function operatorRequests(sandbox: Sandbox): { path: string; traceparent?: string }[] {
  const seen: { path: string; traceparent?: string }[] = [];
  sandbox.server.server.on('request', (request: IncomingMessage) => {
    if (request.url?.startsWith('/oauth2')) return;
    const traceparent = request.headers.traceparent;
    seen.push({ path: request.url ?? '', traceparent: typeof traceparent === 'string' ? traceparent : undefined });
  });
  return seen;
}

function operatorEnv(sandbox: Sandbox): Record<string, string> {
  return {
    TENURE_API_URL: sandbox.url,
    NUMBER_RECYCLING_API_URL: sandbox.url,
    SIM_SWAP_API_URL: sandbox.url,
    DEVICE_SWAP_API_URL: sandbox.url,
    OPERATOR_TOKEN_URL: `${sandbox.url}/oauth2/token`,
    OPERATOR_CLIENT_ID: CLIENT_ID,
    OPERATOR_CLIENT_SECRET: CLIENT_SECRET,
  };
}

/** A stand-in OTLP/HTTP collector: keeps every POST it receives. */
async function startCollector(): Promise<{ url: string; posts: { path: string; headers: IncomingMessage['headers']; body: Buffer }[]; close(): Promise<void> }> {
  const posts: { path: string; headers: IncomingMessage['headers']; body: Buffer }[] = [];
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      posts.push({ path: request.url ?? '', headers: request.headers, body: Buffer.concat(chunks) });
      response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    posts,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

interface Decision {
  id: string;
  outcome: string;
  policy: { id: string; version: string };
  signals: { signal: string; status: string; attempts: number; cached: boolean }[];
}

async function createKey(databaseUrl: string): Promise<string> {
  const lines: string[] = [];
  const out = { line: (text: string) => lines.push(text), error: (text: string) => lines.push(text) };
  const code = await runKeysCli(['create', '--label', 'tracing test', '--scopes', 'admin'], out, { DATABASE_URL: databaseUrl, LOG_LEVEL: 'warn', RULES_DIR: starterRulesDir() });
  const key = lines.join('\n').match(KEY_IN_TEXT)?.[0];
  if (code !== 0 || !key) throw new Error(`could not create a key:\n${lines.join('\n')}`);
  return key;
}

const byName = (spans: ReadableSpan[], name: string) => spans.filter((span) => span.name === name);

describe('tracing (e2e)', () => {
  let sandbox: Sandbox;
  beforeAll(async () => {
    sandbox = await startSandbox({ lines: TEST_LINES, now: NOW });
  });
  afterAll(async () => {
    await sandbox.close();
  });

  describe('on (OTEL_TRACES_EXPORTER=otlp), operators over HTTP', () => {
    let t: TestApp;
    const exporter = new InMemorySpanExporter();
    const sink = new JsonLines();
    let seen: { path: string; traceparent?: string }[];
    beforeAll(async () => {
      seen = operatorRequests(sandbox);
      const logger = new StructuredLogger({ level: 'debug', format: 'json', sink });
      t = await startTestApp({ lines: TEST_LINES, now: NOW, logger, spanExporter: exporter, env: { ...operatorEnv(sandbox), OTEL_TRACES_EXPORTER: 'otlp' } });
    });
    afterAll(async () => {
      await t.close();
    });
    beforeEach(() => {
      exporter.reset();
      seen.length = 0;
    });

    it("makes a decision's span the child of the caller's span, with children for each signal query, the evaluation and the store", async () => {
      const response = await t.http().post('/v1/decisions').set('traceparent', CALLER).set('x-correlator', 'trace-1').send(RECOVERY).expect(201);
      const decision = response.body as Decision;
      const spans = exporter.getFinishedSpans();
      const [root] = byName(spans, 'decision');
      expect(root.spanContext().traceId).toBe(TRACE_ID);
      expect(root.parentSpanContext?.spanId).toBe(CALLER_SPAN);
      expect(root.kind).toBe(SpanKind.SERVER);
      expect(root.attributes).toMatchObject({
        'linetrust.decision.id': decision.id,
        'linetrust.use_case': 'account_recovery',
        'linetrust.decision.outcome': decision.outcome,
        'linetrust.policy.id': 'account_recovery',
        'linetrust.policy.version': decision.policy.version,
      });
      const children = spans.filter((span) => span.parentSpanContext?.spanId === root.spanContext().spanId);
      const asked = decision.signals.filter((signal) => signal.attempts > 0);
      expect(asked.map((signal) => signal.signal).sort()).toEqual(['deviceSwap', 'numberRecycling', 'simSwap']);
      expect(children.map((span) => span.name).sort()).toEqual(['decision.store', 'policy.evaluate', ...asked.map((signal) => `signal ${signal.signal}`)].sort());
      expect(spans.every((span) => span.spanContext().traceId === TRACE_ID)).toBe(true);
      for (const signal of asked) {
        const [span] = byName(spans, `signal ${signal.signal}`);
        expect(span.kind).toBe(SpanKind.CLIENT);
        expect(span.attributes).toMatchObject({
          'linetrust.signal': signal.signal,
          'linetrust.gateway': 'default',
          'linetrust.signal.status': signal.status,
          'linetrust.signal.attempts': signal.attempts,
          'linetrust.signal.cache_hit': false,
        });
        expect(span.attributes['linetrust.signal.operation']).toEqual(expect.any(String));
      }
    });

    it("sends each operator request the trace context of its query's span", async () => {
      await t.http().post('/v1/decisions').set('traceparent', CALLER).send(RECOVERY).expect(201);
      const querySpans = exporter.getFinishedSpans().filter((span) => span.name.startsWith('signal '));
      expect(seen).toHaveLength(3);
      const sent = seen.map((request) => request.traceparent ?? 'none').sort();
      expect(sent).toEqual(querySpans.map((span) => `00-${TRACE_ID}-${span.spanContext().spanId}-01`).sort());
    });

    it('marks a second query answered from the cache, which no operator request is made for', async () => {
      // A swap is cached (a "not swapped" never is): the second decision reads it from the cache.
      const swapped = { ...RECOVERY, phoneNumber: LINE.simSwapped5h };
      await t.http().post('/v1/decisions').send(swapped).expect(201);
      const [first] = byName(exporter.getFinishedSpans(), 'signal simSwap');
      expect(first.attributes).toMatchObject({ 'linetrust.signal.cache_hit': false, 'linetrust.signal.attempts': 1 });
      exporter.reset();
      seen.length = 0;
      const second = (await t.http().post('/v1/decisions').send(swapped).expect(201)).body as Decision;
      expect(second.signals.find((signal) => signal.signal === 'simSwap')).toMatchObject({ cached: true });
      const [cached] = byName(exporter.getFinishedSpans(), 'signal simSwap');
      expect(cached.attributes).toMatchObject({ 'linetrust.signal.cache_hit': true, 'linetrust.signal.attempts': 0, 'linetrust.signal.status': 'OK' });
      expect(seen.filter((request) => request.path.includes('sim-swap'))).toEqual([]);
    });

    it("writes the trace id on the request's log lines, and the decision span's id on the lines logged in it", async () => {
      await t.http().post('/v1/decisions').set('traceparent', CALLER).set('x-correlator', 'trace-logs').send(RECOVERY).expect(201);
      const [root] = byName(exporter.getFinishedSpans(), 'decision');
      const lines = sink.json().filter((line) => line.correlator === 'trace-logs');
      const decided = lines.find((line) => /^decision [0-9a-f-]+: account_recovery/.test(line.msg as string));
      expect(decided).toMatchObject({ trace_id: TRACE_ID, span_id: root.spanContext().spanId });
      const access = lines.find((line) => line.context === 'AccessLog');
      expect(access).toMatchObject({ trace_id: TRACE_ID });
    });

    it("a request without traceparent: its log lines carry the trace id of its decision's spans", async () => {
      await t.http().post('/v1/decisions').set('x-correlator', 'trace-begun').send(RECOVERY).expect(201);
      const [root] = byName(exporter.getFinishedSpans(), 'decision');
      expect(root.parentSpanContext).toBeUndefined();
      const ids = new Set(sink.json().filter((line) => line.correlator === 'trace-begun').map((line) => line.trace_id));
      expect([...ids]).toEqual([root.spanContext().traceId]);
    });

    it('puts no phone number in any span: name, attributes, events, status or resource', async () => {
      await t.http().post('/v1/decisions').set('traceparent', CALLER).send({ ...RECOVERY, phoneNumber: LINE.recycled }).expect(201);
      await t.http().post('/v1/decisions').send({ useCase: 'onboarding', phoneNumber: LINE.notSubscriber }).expect(201);
      await t.http().post('/v1/decisions').send({ useCase: 'onboarding', phoneNumber: '+34611000001', context: { nope: 1 } }).expect(400);
      const spans = exporter.getFinishedSpans();
      expect(spans.length).toBeGreaterThan(8);
      const text = JSON.stringify(spans.map((span) => ({ name: span.name, attributes: span.attributes, events: span.events, status: span.status, links: span.links, resource: span.resource.attributes })));
      for (const number of [LINE.recycled, LINE.notSubscriber, '+34611000001']) {
        expect(text).not.toContain(number.slice(1));
        expect(text).not.toContain(number.slice(-9));
      }
    });
  });

  describe('off (OTEL_* unset)', () => {
    let t: TestApp;
    let collector: Awaited<ReturnType<typeof startCollector>>;
    const exporter = new InMemorySpanExporter();
    const sink = new JsonLines();
    let seen: { path: string; traceparent?: string }[];
    beforeAll(async () => {
      seen = operatorRequests(sandbox);
      collector = await startCollector();
      const logger = new StructuredLogger({ level: 'debug', format: 'json', sink });
      // A collector is named, but nothing switches the exporter on: nothing may reach it.
      t = await startTestApp({ lines: TEST_LINES, now: NOW, logger, spanExporter: exporter, env: { ...operatorEnv(sandbox), OTEL_EXPORTER_OTLP_ENDPOINT: collector.url } });
    });
    let closed = false;
    afterAll(async () => {
      if (!closed) await t.close();
      await collector.close();
    });

    it('exports nothing, yet passes the caller trace to the operators and logs its id', async () => {
      await t.http().post('/v1/decisions').set('traceparent', CALLER).set('x-correlator', 'off-1').send(RECOVERY).expect(201);
      expect(seen.map((request) => request.traceparent)).toEqual([CALLER, CALLER, CALLER]);
      const lines = sink.json().filter((line) => line.correlator === 'off-1');
      expect(lines.length).toBeGreaterThanOrEqual(2);
      for (const line of lines) {
        expect(line.trace_id).toBe(TRACE_ID);
        // No span of ours records: a span id would lead nowhere.
        expect(line).not.toHaveProperty('span_id');
      }
    });

    it('begins a trace for a request that came without one: one id on all its lines, sent to operators unsampled', async () => {
      seen.length = 0;
      await t.http().post('/v1/decisions').set('x-correlator', 'off-2').send(RECOVERY).expect(201);
      const ids = new Set(sink.json().filter((line) => line.correlator === 'off-2').map((line) => line.trace_id as string));
      expect(ids.size).toBe(1);
      const [traceId] = [...ids];
      expect(traceId).toMatch(/^[0-9a-f]{32}$/);
      for (const request of seen) expect(request.traceparent).toMatch(new RegExp(`^00-${traceId}-[0-9a-f]{16}-00$`));
    });

    it('sent nothing to the collector by the time the app has closed', async () => {
      closed = true;
      await t.close();
      expect(exporter.getFinishedSpans()).toEqual([]);
      expect(collector.posts).toEqual([]);
    });
  });

  // The service as deployed (src/main.ts in a child process): the OTEL_* variables come from
  // its environment, and the exporter sends over real HTTP (jest cannot load its transport).
  describe('OTLP over HTTP to a collector, from the service process', () => {
    let database: TestDatabase;
    beforeAll(async () => {
      database = await createTestDatabase();
    });
    afterAll(async () => {
      await database.drop();
    });

    it.each([
      ['http/json', 'application/json'],
      ['http/protobuf', 'application/x-protobuf'],
    ])('%s: spans reach OTEL_EXPORTER_OTLP_ENDPOINT/v1/traces with the headers and service name set, by the time it stops', async (protocol, contentType) => {
      const collector = await startCollector();
      let instance: Instance | undefined;
      try {
        instance = await startInstance({
          DATABASE_URL: database.url,
          OTEL_TRACES_EXPORTER: 'otlp',
          OTEL_EXPORTER_OTLP_ENDPOINT: collector.url,
          OTEL_EXPORTER_OTLP_PROTOCOL: protocol,
          OTEL_EXPORTER_OTLP_HEADERS: 'x-collector-key=k%201',
          OTEL_SERVICE_NAME: 'linetrust-e2e',
        });
        await waitReady(instance);
        const key = await createKey(database.url);
        const response = await fetch(`${instance.url}/v1/decisions`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${key}`, traceparent: CALLER },
          body: JSON.stringify({ useCase: 'onboarding', phoneNumber: '+34600000001' }),
        });
        expect(response.status).toBe(201);
        const { id } = (await response.json()) as { id: string };
        await instance.stop();
        expect(collector.posts.length).toBeGreaterThan(0);
        for (const post of collector.posts) {
          expect(post.path).toBe('/v1/traces');
          expect(post.headers['content-type']).toBe(contentType);
          expect(post.headers['x-collector-key']).toBe('k 1');
        }
        const body = Buffer.concat(collector.posts.map((post) => post.body)).toString('latin1');
        for (const text of ['linetrust-e2e', 'decision.store', 'policy.evaluate', id]) expect(body).toContain(text);
        expect(body).not.toContain('600000001');
      } finally {
        await instance?.stop();
        await collector.close();
      }
    });
  });
});
