import { SpanStatusCode } from '@opentelemetry/api';
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace-base';
import { InvalidArgumentError } from '../common/errors/domain.error';
import { RequestContext, requestContext } from '../common/http/request-context';
import { validateConfig } from '../config/app-config';
import { requestTrace } from './request-trace';
import { Tracing } from './tracing';
import { tracesUrl } from './tracing-setup';

const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const CALLER_SPAN = '00f067aa0ba902b7';
const ON = { OTEL_TRACES_EXPORTER: 'otlp' };

async function tracingWith(env: Record<string, string>): Promise<{ tracing: Tracing; exporter: InMemorySpanExporter }> {
  const exporter = new InMemorySpanExporter();
  return { tracing: await Tracing.create(validateConfig(env), { exporter }), exporter };
}

const inRequest = <T>(store: RequestContext, work: () => Promise<T>): Promise<T> => requestContext.run(store, work);

describe('Tracing', () => {
  it('is off unless OTEL_TRACES_EXPORTER=otlp, and OTEL_SDK_DISABLED wins: nothing reaches the exporter', async () => {
    const envs: Record<string, string>[] = [{}, { OTEL_TRACES_EXPORTER: 'none' }, { ...ON, OTEL_SDK_DISABLED: 'true' }];
    for (const env of envs) {
      const { tracing, exporter } = await tracingWith(env);
      expect(tracing.recording).toBe(false);
      await inRequest({ correlator: 'c' }, () => tracing.span('decision', async (span) => tracing.step(span, 'store', async () => 1)));
      expect(exporter.getFinishedSpans()).toEqual([]);
    }
  });

  it('off, it passes the caller trace on unchanged (their sampling decision stands) and runs the work', async () => {
    const { tracing } = await tracingWith({});
    const store = { correlator: 'c', traceparent: `00-${TRACE_ID}-${CALLER_SPAN}-01` };
    const sent = await inRequest(store, () => tracing.span('signal', async (span) => tracing.traceparent(span)));
    expect(sent).toBe(`00-${TRACE_ID}-${CALLER_SPAN}-01`);
    expect(await tracing.span('outside a request', async (span) => tracing.traceparent(span))).toBeUndefined();
  });

  it('makes the first span a child of the caller span, and spans started in a current span its children', async () => {
    const { tracing, exporter } = await tracingWith(ON);
    const store = { correlator: 'c', traceparent: `00-${TRACE_ID}-${CALLER_SPAN}-01` };
    let sent: string | undefined;
    await inRequest(store, () =>
      tracing.span(
        'decision',
        async (decision) => {
          await tracing.span('signal', async (span) => (sent = tracing.traceparent(span)));
          await tracing.step(decision, 'store', async () => undefined);
        },
        { current: true },
      ),
    );
    const spans = Object.fromEntries(exporter.getFinishedSpans().map((span) => [span.name, span]));
    expect(Object.keys(spans).sort()).toEqual(['decision', 'signal', 'store']);
    const decision = spans.decision.spanContext();
    expect(decision.traceId).toBe(TRACE_ID);
    expect(spans.decision.parentSpanContext?.spanId).toBe(CALLER_SPAN);
    expect(spans.signal.parentSpanContext?.spanId).toBe(decision.spanId);
    expect(spans.store.parentSpanContext?.spanId).toBe(decision.spanId);
    expect(sent).toBe(`00-${TRACE_ID}-${spans.signal.spanContext().spanId}-01`);
    // The current span is the decision's only while its work runs.
    expect(store).not.toHaveProperty('span');
  });

  it('roots a request without traceparent in the trace id its log lines already carry', async () => {
    const { tracing, exporter } = await tracingWith(ON);
    const store: RequestContext = { correlator: 'c' };
    const logged = requestTrace(store)?.traceId;
    await inRequest(store, () => tracing.span('decision', async () => undefined));
    const [root] = exporter.getFinishedSpans();
    expect(root.spanContext().traceId).toBe(logged);
    expect(root.parentSpanContext).toBeUndefined();
    // The preset id served that one span only.
    await inRequest({ correlator: 'other' }, () => tracing.span('decision', async () => undefined));
    expect(exporter.getFinishedSpans()[1].spanContext().traceId).not.toBe(logged);
  });

  it('follows the caller sampling decision by default: a trace marked not sampled is not recorded, but passed on', async () => {
    const { tracing, exporter } = await tracingWith(ON);
    const store = { correlator: 'c', traceparent: `00-${TRACE_ID}-${CALLER_SPAN}-00` };
    const sent = await inRequest(store, () => tracing.span('decision', async (span) => tracing.traceparent(span), { current: true }));
    expect(exporter.getFinishedSpans()).toEqual([]);
    expect(sent).toMatch(new RegExp(`^00-${TRACE_ID}-[0-9a-f]{16}-00$`));
    const { tracing: always, exporter: all } = await tracingWith({ ...ON, OTEL_TRACES_SAMPLER: 'always_on' });
    await inRequest(store, () => always.span('decision', async () => undefined));
    expect(all.getFinishedSpans()).toHaveLength(1);
  });

  it('marks a span failed by an unexpected error, not by a refusal of the request, and keeps numbers out', async () => {
    const { tracing, exporter } = await tracingWith(ON);
    await expect(tracing.span('broken', () => Promise.reject(new Error('lookup of +34600000001 failed')))).rejects.toThrow('lookup');
    await expect(tracing.span('refused', () => Promise.reject(new InvalidArgumentError('bad context')))).rejects.toThrow('bad context');
    const [broken, refused] = exporter.getFinishedSpans();
    expect(broken.status).toEqual({ code: SpanStatusCode.ERROR, message: expect.not.stringContaining('600000001') });
    expect(broken.attributes['error.type']).toBe('Error');
    expect(refused.status.code).toBe(SpanStatusCode.UNSET);
    expect(refused.attributes['error.type']).toBe('InvalidArgumentError');
  });

  it('names itself with OTEL_SERVICE_NAME (linetrust by default)', async () => {
    const named = await tracingWith({ ...ON, OTEL_SERVICE_NAME: 'linetrust-eu' });
    const plain = await tracingWith(ON);
    await named.tracing.span('a', async () => undefined);
    await plain.tracing.span('a', async () => undefined);
    expect(named.exporter.getFinishedSpans()[0].resource.attributes['service.name']).toBe('linetrust-eu');
    expect(plain.exporter.getFinishedSpans()[0].resource.attributes['service.name']).toBe('linetrust');
  });
});

describe('tracing configuration (OTEL_* variables)', () => {
  it.each([
    [{ OTEL_TRACES_EXPORTER: 'jaeger' }, 'OTEL_TRACES_EXPORTER must be none or otlp'],
    [{ OTEL_TRACES_EXPORTER: 'otlp,console' }, 'OTEL_TRACES_EXPORTER must be none or otlp'],
    [{ OTEL_EXPORTER_OTLP_ENDPOINT: 'localhost:4318' }, 'OTEL_EXPORTER_OTLP_ENDPOINT must be an http(s) URL'],
    [{ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'grpc://collector:4317' }, 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT must be an http(s) URL'],
    [{ OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' }, 'OTEL_EXPORTER_OTLP_PROTOCOL must be http/protobuf or http/json'],
    [{ OTEL_SDK_DISABLED: 'yes' }, 'OTEL_SDK_DISABLED must be true or false'],
    [{ OTEL_TRACES_SAMPLER: 'ratio' }, 'OTEL_TRACES_SAMPLER must be one of'],
    [{ OTEL_TRACES_SAMPLER_ARG: '1.5' }, 'OTEL_TRACES_SAMPLER_ARG must be a number from 0 to 1'],
    [{ OTEL_TRACES_SAMPLER_ARG: 'half' }, 'OTEL_TRACES_SAMPLER_ARG must be a number from 0 to 1'],
  ])('refuses %j at start-up, naming the variable', (env, message) => {
    expect(() => validateConfig(env)).toThrow(message);
  });

  it('refuses malformed OTLP headers without repeating them (they hold API keys)', () => {
    expect(() => validateConfig({ OTEL_EXPORTER_OTLP_HEADERS: 'sekrit-token' })).toThrow(/OTEL_EXPORTER_OTLP_HEADERS must be key=value/);
    expect(() => validateConfig({ OTEL_EXPORTER_OTLP_HEADERS: 'sekrit-token' })).not.toThrow(/sekrit/);
    expect(() => validateConfig({ OTEL_EXPORTER_OTLP_HEADERS: 'x-api-key=a%20b, x-team=1' })).not.toThrow();
  });

  it('sends to OTEL_EXPORTER_OTLP_TRACES_ENDPOINT as written, else the base endpoint plus /v1/traces', () => {
    expect(tracesUrl(validateConfig({}))).toBe('http://localhost:4318/v1/traces');
    expect(tracesUrl(validateConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'https://otel.example.com:4318/' }))).toBe('https://otel.example.com:4318/v1/traces');
    const both = { OTEL_EXPORTER_OTLP_ENDPOINT: 'https://a.example.com', OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'https://b.example.com/custom' };
    expect(tracesUrl(validateConfig(both))).toBe('https://b.example.com/custom');
  });
});
