import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import type { Span, SpanContext } from '@opentelemetry/api';

/** What every line logged while serving a request must carry. */
export interface RequestContext {
  correlator: string;
  /** monotonicMs() when the request's headers arrived: a decision's budget counts from it. */
  arrivedAt?: number;
  /** The caller's W3C `traceparent` and `tracestate` headers, read when first needed (src/tracing/). */
  traceparent?: string;
  tracestate?: string;
  /** The trace the request belongs to: the caller's, or one begun here (see requestTrace). */
  trace?: SpanContext;
  /** The span of ours that the code runs in (a decision's), while tracing records. */
  span?: Span;
}

export const requestContext = new AsyncLocalStorage<RequestContext>();

/** CAMARA XCorrelator pattern (CAMARA_common.yaml). */
export const CORRELATOR_PATTERN = /^[a-zA-Z0-9-_:;./<>{}]{0,256}$/;

export function currentCorrelator(): string | undefined {
  return requestContext.getStore()?.correlator;
}

/** When the current request arrived (monotonicMs()), if there is one. */
export function requestArrivedAt(): number | undefined {
  return requestContext.getStore()?.arrivedAt;
}

export function newCorrelator(): string {
  return randomUUID();
}
