import { trace, TraceFlags } from '@opentelemetry/api';
import { requestContext } from '../common/http/request-context';
import { currentSpanContext, formatTraceparent, parseTraceContext, requestTrace, traceLogFields } from './request-trace';

const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const SPAN_ID = '00f067aa0ba902b7';

describe('W3C trace context of a request', () => {
  it('continues the caller trace: ids, sampled flag and tracestate as sent', () => {
    const context = parseTraceContext(`00-${TRACE_ID}-${SPAN_ID}-01`, 'vendor=abc,other=1');
    expect(context).toMatchObject({ traceId: TRACE_ID, spanId: SPAN_ID, traceFlags: TraceFlags.SAMPLED, isRemote: true });
    expect(context?.traceState?.serialize()).toBe('vendor=abc,other=1');
    expect(parseTraceContext(`00-${TRACE_ID}-${SPAN_ID}-00`, undefined)?.traceFlags).toBe(TraceFlags.NONE);
  });

  it.each([
    ['absent', undefined],
    ['empty', ''],
    ['all-zero trace id', `00-${'0'.repeat(32)}-${SPAN_ID}-01`],
    ['all-zero span id', `00-${TRACE_ID}-${'0'.repeat(16)}-01`],
    ['version ff (forbidden)', `ff-${TRACE_ID}-${SPAN_ID}-01`],
    ['version 00 with a fifth field', `00-${TRACE_ID}-${SPAN_ID}-01-extra`],
    ['short trace id', `00-${TRACE_ID.slice(1)}-${SPAN_ID}-01`],
    ['upper-case hex', `00-${TRACE_ID.toUpperCase()}-${SPAN_ID}-01`],
    ['two headers joined', `00-${TRACE_ID}-${SPAN_ID}-01, 00-${TRACE_ID}-${SPAN_ID}-01`],
  ])('ignores a traceparent that is %s (a new trace is begun, the request is not refused)', (_why, header) => {
    expect(parseTraceContext(header, 'vendor=abc')).toBeUndefined();
  });

  it('begins one trace per request, the same for every line, unsampled and not remote', () => {
    const store = { correlator: 'c' };
    const first = requestTrace(store);
    expect(first?.traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(first?.traceFlags).toBe(TraceFlags.NONE);
    expect(first?.isRemote).toBeUndefined();
    expect(requestTrace(store)).toBe(first);
    expect(requestTrace({ correlator: 'other' })?.traceId).not.toBe(first?.traceId);
    expect(requestTrace(undefined)).toBeUndefined();
  });

  it('log fields: the trace id always, a span id only for a span of ours', () => {
    const store = { correlator: 'c', traceparent: `00-${TRACE_ID}-${SPAN_ID}-01` };
    expect(traceLogFields(store)).toEqual({ trace_id: TRACE_ID });
    const ours = trace.wrapSpanContext({ traceId: TRACE_ID, spanId: 'a'.repeat(16), traceFlags: TraceFlags.SAMPLED });
    expect(traceLogFields({ ...store, span: ours })).toEqual({ trace_id: TRACE_ID, span_id: 'a'.repeat(16) });
  });

  it('the current context is our span, else the request trace, else none', () => {
    expect(currentSpanContext()).toBeUndefined();
    const store = { correlator: 'c', traceparent: `00-${TRACE_ID}-${SPAN_ID}-01` };
    requestContext.run(store, () => expect(currentSpanContext()?.spanId).toBe(SPAN_ID));
    const ours = trace.wrapSpanContext({ traceId: TRACE_ID, spanId: 'b'.repeat(16), traceFlags: TraceFlags.SAMPLED });
    requestContext.run({ ...store, span: ours }, () => expect(currentSpanContext()?.spanId).toBe('b'.repeat(16)));
  });

  it('formats traceparent version 00 with the sampled flag only', () => {
    expect(formatTraceparent({ traceId: TRACE_ID, spanId: SPAN_ID, traceFlags: TraceFlags.SAMPLED })).toBe(`00-${TRACE_ID}-${SPAN_ID}-01`);
    expect(formatTraceparent({ traceId: TRACE_ID, spanId: SPAN_ID, traceFlags: 0xfe })).toBe(`00-${TRACE_ID}-${SPAN_ID}-00`);
  });
});
