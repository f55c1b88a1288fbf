import { isSpanContextValid, SpanContext, TraceFlags } from '@opentelemetry/api';
import { parseTraceParent, TraceState } from '@opentelemetry/core';
import { RandomIdGenerator } from '@opentelemetry/sdk-trace-base';
import { RequestContext, requestContext } from '../common/http/request-context';

const ids = new RandomIdGenerator();

/**
 * The caller's span, from W3C `traceparent` (and `tracestate`), or undefined when absent or
 * malformed: W3C trace context says to start a new trace then, not to refuse the request.
 */
export function parseTraceContext(traceparent: string | undefined, tracestate: string | undefined): SpanContext | undefined {
  return traceparent === undefined ? undefined : parseCaller(traceparent.trim(), tracestate);
}

/** A traceparent of the usual form, `version-traceid-parentid-flags` (lower-case hex). */
const COMMON_FORM = /^[\da-f]{2}-[\da-f]{32}-[\da-f]{16}-[\da-f]{2}$/;
const ZERO_TRACE_ID = '0'.repeat(32);
const ZERO_SPAN_ID = '0'.repeat(16);

/**
 * The common form is checked by one test without captures and read by slicing; other forms (a
 * future version's longer one) by @opentelemetry/core. The spread and isSpanContextValid this
 * replaces cost 2 µs per request, ten times the rest of the parse.
 */
function parseCaller(header: string, tracestate: string | undefined): SpanContext | undefined {
  let context: SpanContext;
  if (header.length === 55 && COMMON_FORM.test(header)) {
    if (header.startsWith('ff')) return undefined;
    context = { traceId: header.slice(3, 35), spanId: header.slice(36, 52), traceFlags: parseInt(header.slice(53), 16), isRemote: true };
    if (context.traceId === ZERO_TRACE_ID || context.spanId === ZERO_SPAN_ID) return undefined;
  } else {
    const parsed = parseTraceParent(header);
    if (!parsed) return undefined;
    context = { traceId: parsed.traceId, spanId: parsed.spanId, traceFlags: parsed.traceFlags, isRemote: true };
    if (!isSpanContextValid(context)) return undefined;
  }
  if (tracestate !== undefined) context.traceState = new TraceState(tracestate);
  return context;
}

/**
 * A trace begun here for a request that came without one. Not sampled: nothing of it is
 * recorded unless tracing is on, where the decision's span starts its own (see Tracing).
 */
function begunHere(): SpanContext {
  return { traceId: ids.generateTraceId(), spanId: ids.generateSpanId(), traceFlags: TraceFlags.NONE };
}

/**
 * The trace the request belongs to: the caller's, or one begun here. Worked out on first use
 * and kept on the request's context, so every line and span of the request agrees on it, and
 * a request that logs nothing and decides nothing pays nothing for it.
 */
export function requestTrace(store: RequestContext | undefined = requestContext.getStore()): SpanContext | undefined {
  if (!store) return undefined;
  return (store.trace ??= parseTraceContext(store.traceparent, store.tracestate) ?? begunHere());
}

/** The context to continue from: our current span's, else the request's trace. */
export function currentSpanContext(): SpanContext | undefined {
  const store = requestContext.getStore();
  return store?.span?.spanContext() ?? requestTrace(store);
}

/** W3C `traceparent` for a request sent on behalf of `context` (version 00). */
export function formatTraceparent(context: SpanContext): string {
  return `00-${context.traceId}-${context.spanId}-${context.traceFlags & TraceFlags.SAMPLED ? '01' : '00'}`;
}

/** What a log line says of the trace: always its id, and our span's id while one records. */
export interface TraceLogFields {
  trace_id?: string;
  span_id?: string;
}

/**
 * The trace fields of a line logged in `store`. `span_id` is only ever a span of ours that is
 * exported: the caller's span id, or one of a trace nobody records, would lead nowhere.
 */
export function traceLogFields(store: RequestContext): TraceLogFields {
  const span = store.span;
  if (span !== undefined) {
    const context = span.spanContext();
    return { trace_id: context.traceId, span_id: context.spanId };
  }
  const trace = requestTrace(store);
  return trace === undefined ? {} : { trace_id: trace.traceId };
}
