import { SignalAnswer } from './signal.types';

/**
 * An operator's answer as CAMARA defines it: a 200 body, or an error `{ status, code, message }`.
 * The sandbox operator produces these and the HTTP clients parse them, so both map to signal
 * answers through the one function below.
 */
export type CamaraResult<T> =
  | { ok: true; body: T }
  | { ok: false; status: number; code: string; message: string };

export function camaraError<T>(status: number, code: string, message: string): CamaraResult<T> {
  return { ok: false, status, code, message };
}

/** Maps a CAMARA answer to a signal answer: errors become statuses, never exceptions. */
export function toSignalAnswer<T>(result: CamaraResult<T>): SignalAnswer<T> {
  if (result.ok) return { status: 'OK', value: result.body };
  const reason = `${result.status} ${result.code}: ${result.message}`;
  if (result.status === 404 && result.code === 'IDENTIFIER_NOT_FOUND') return { status: 'NOT_SUBSCRIBER', reason };
  if (result.status === 422 && result.code === 'SERVICE_NOT_APPLICABLE') return { status: 'NOT_APPLICABLE', reason };
  if (result.status === 400 && result.code === 'OUT_OF_RANGE') return { status: 'OUT_OF_RANGE', reason };
  return { status: 'UNAVAILABLE', reason };
}

/**
 * HTTP statuses worth asking again: rate limits (429), server and gateway failures (5xx) and a
 * request timeout (408). 501 NOT_IMPLEMENTED is excluded: the operator does not offer the
 * operation, and asking again cannot change that. Any other 4xx is about the request itself.
 */
export function isTransientHttpStatus(status: number): boolean {
  if (status === 408 || status === 429) return true;
  return status >= 500 && status <= 599 && status !== 501;
}
