import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';

/** What every line logged while serving a request must carry. */
export interface RequestContext {
  correlator: string;
  /** monotonicMs() when the request's headers arrived: a decision's budget counts from it. */
  arrivedAt?: number;
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
