import { OnApplicationShutdown } from '@nestjs/common';
import { INVALID_SPAN_CONTEXT, ROOT_CONTEXT, Span, SpanContext, SpanKind, SpanStatusCode, trace, Tracer } from '@opentelemetry/api';
import { BasicTracerProvider, BatchSpanProcessor, SimpleSpanProcessor, SpanExporter } from '@opentelemetry/sdk-trace-base';
import { DomainError } from '../common/errors/domain.error';
import { requestContext } from '../common/http/request-context';
import { redactPhoneNumbers } from '../common/phone/phone-number';
import { AppConfig } from '../config/app-config';
import { formatTraceparent, requestTrace } from './request-trace';
import { tracingSetup } from './tracing-setup';

export interface TracingOptions {
  /** Where spans go instead of the OTLP collector when tracing is on (tests: an InMemorySpanExporter). */
  exporter?: SpanExporter;
}

export interface SpanOptions {
  kind?: SpanKind;
  /** Spans started by the work (through the request's context) are children of this one. */
  current?: boolean;
}

/**
 * The service's spans (see docs/tracing.md): a decision, its signal queries, its evaluation and
 * its durable write. Made by hand at those few places rather than by auto-instrumentation,
 * which patches every module and costs CPU on every request.
 *
 * Off (the default), nothing is recorded and no span object is made: the work runs as it
 * would without tracing, and the request's trace (the caller's traceparent, or an id begun
 * here) is still passed on to operators and written in the log lines.
 *
 * The span the code runs in lives in the request's AsyncLocalStorage (src/common/http/
 * request-context.ts), the one the correlator already uses, rather than in a second context
 * manager that would be paid on every promise of every request.
 */
export class Tracing implements OnApplicationShutdown {
  private constructor(
    private readonly tracer: Tracer | undefined,
    private readonly provider: BasicTracerProvider | undefined,
    private readonly presetTraceId: (traceId: string | undefined) => void,
  ) {}

  /** Tracing as the configuration says (OTEL_* variables), or into `options.exporter`. */
  static async create(config: AppConfig, options: TracingOptions = {}): Promise<Tracing> {
    const setup = await tracingSetup(config, options.exporter);
    if (!setup) return Tracing.off();
    const processor = options.exporter ? new SimpleSpanProcessor(setup.exporter) : new BatchSpanProcessor(setup.exporter);
    const provider = new BasicTracerProvider({ resource: setup.resource, sampler: setup.sampler, idGenerator: setup.ids, spanProcessors: [processor] });
    return new Tracing(provider.getTracer('linetrust'), provider, (traceId) => (setup.ids.preset = traceId));
  }

  /** Records nothing; passes the request's trace on. */
  static off(): Tracing {
    return new Tracing(undefined, undefined, () => undefined);
  }

  /** Whether spans are recorded (and exported) at all. */
  get recording(): boolean {
    return this.tracer !== undefined;
  }

  /**
   * Runs `work` in a new span: a child of the current span, else of the caller's span (its
   * traceparent), else the root of the request's trace. Its status says whether `work` threw.
   */
  span<T>(name: string, work: (span: Span) => Promise<T>, options: SpanOptions = {}): Promise<T> {
    // Not an async function: off, the work's own promise is answered, with no extra layer.
    if (this.tracer === undefined) return work(passOn());
    return this.recorded(this.tracer, name, work, options);
  }

  private async recorded<T>(tracer: Tracer, name: string, work: (span: Span) => Promise<T>, options: SpanOptions): Promise<T> {
    const span = this.start(tracer, name, options.kind ?? SpanKind.INTERNAL);
    const store = requestContext.getStore();
    try {
      if (options.current && store && span.isRecording()) return await requestContext.run({ ...store, span }, () => work(span));
      return await work(span);
    } catch (error) {
      failed(span, error);
      throw error;
    } finally {
      span.end();
    }
  }

  /** Runs `work` in a child span of `parent` that is not current: a step whose work starts no spans of its own. */
  step<T>(parent: Span, name: string, work: () => Promise<T>): Promise<T> {
    if (this.tracer === undefined || !parent.isRecording()) return work();
    return this.recordedStep(this.tracer, parent, name, work);
  }

  private async recordedStep<T>(tracer: Tracer, parent: Span, name: string, work: () => Promise<T>): Promise<T> {
    const span = tracer.startSpan(name, { kind: SpanKind.INTERNAL }, trace.setSpan(ROOT_CONTEXT, parent));
    try {
      return await work();
    } catch (error) {
      failed(span, error);
      throw error;
    } finally {
      span.end();
    }
  }

  /** The W3C traceparent to send on behalf of `span`, or undefined when it is in no trace. */
  traceparent(span: Span): string | undefined {
    const context = span.spanContext();
    return context.traceId === INVALID_SPAN_CONTEXT.traceId ? undefined : formatTraceparent(context);
  }

  /** Sends the spans still buffered and stops: last of the application's close, after the work that makes spans. */
  async onApplicationShutdown(): Promise<void> {
    await this.provider?.shutdown();
  }

  private start(tracer: Tracer, name: string, kind: SpanKind): Span {
    const store = requestContext.getStore();
    if (store?.span) return tracer.startSpan(name, { kind }, trace.setSpan(ROOT_CONTEXT, store.span));
    const parent = requestTrace(store);
    if (parent?.isRemote) return tracer.startSpan(name, { kind }, trace.setSpanContext(ROOT_CONTEXT, parent));
    // A trace begun here (ids already in the request's log lines): the span is its root, with
    // that trace id, so that lines and spans can be joined.
    this.presetTraceId(parent?.traceId);
    try {
      return tracer.startSpan(name, { kind }, ROOT_CONTEXT);
    } finally {
      this.presetTraceId(undefined);
    }
  }
}

/** Off: a span that records nothing and carries the current context, for its traceparent. */
function passOn(): Span {
  const store = requestContext.getStore();
  const context: SpanContext = store?.span?.spanContext() ?? requestTrace(store) ?? INVALID_SPAN_CONTEXT;
  return trace.wrapSpanContext(context);
}

/**
 * A refusal of the caller's request (a DomainError below 500) is not a failure of ours, as
 * OpenTelemetry's HTTP conventions say of 4xx. The message is one we wrote, numbers masked
 * all the same; the stack is not recorded (it is in the error log line).
 */
function failed(span: Span, error: unknown): void {
  const refusal = error instanceof DomainError && error.status < 500;
  span.setAttribute('error.type', error instanceof Error ? error.name : typeof error);
  if (!refusal) span.setStatus({ code: SpanStatusCode.ERROR, message: redactPhoneNumbers(error instanceof Error ? error.message : String(error)) });
}
