import { camaraError, CamaraResult, isTransientHttpStatus, toSignalAnswer } from './camara-result';
import { SignalStatus } from './signal.types';

describe('toSignalAnswer', () => {
  it('passes a 200 body through as an OK answer', () => {
    const body = { tenureDateCheck: true, contractType: 'PAYM' };
    expect(toSignalAnswer({ ok: true, body })).toEqual({ status: 'OK', value: body });
  });

  it.each<[number, string, SignalStatus]>([
    // The three errors the CAMARA specs give a meaning the policy can use.
    [404, 'IDENTIFIER_NOT_FOUND', 'NOT_SUBSCRIBER'],
    [422, 'SERVICE_NOT_APPLICABLE', 'NOT_APPLICABLE'],
    [400, 'OUT_OF_RANGE', 'OUT_OF_RANGE'],
    // Everything else means the signal could not be had.
    [400, 'INVALID_ARGUMENT', 'UNAVAILABLE'],
    [401, 'UNAUTHENTICATED', 'UNAVAILABLE'],
    [403, 'PERMISSION_DENIED', 'UNAVAILABLE'],
    [403, 'INVALID_TOKEN_CONTEXT', 'UNAVAILABLE'],
    [422, 'UNNECESSARY_IDENTIFIER', 'UNAVAILABLE'],
    [422, 'MISSING_IDENTIFIER', 'UNAVAILABLE'],
    [429, 'TOO_MANY_REQUESTS', 'UNAVAILABLE'],
    [429, 'QUOTA_EXCEEDED', 'UNAVAILABLE'],
    [500, 'INTERNAL', 'UNAVAILABLE'],
    [503, 'UNAVAILABLE', 'UNAVAILABLE'],
    [504, 'TIMEOUT', 'UNAVAILABLE'],
  ])('%i %s -> %s, with a reason naming status and code', (status, code, expected) => {
    const answer = toSignalAnswer(camaraError(status, code, 'operator says no'));
    expect(answer).toEqual({ status: expected, reason: expect.any(String) });
    const { reason } = answer as { reason: string };
    expect(reason).toContain(`${status} ${code}`);
    expect(reason).toContain('operator says no');
  });

  it.each<[string, CamaraResult<unknown>]>([
    ['404 with another code', camaraError(404, 'NOT_FOUND', 'x')],
    ['IDENTIFIER_NOT_FOUND with another status', camaraError(400, 'IDENTIFIER_NOT_FOUND', 'x')],
    ['SERVICE_NOT_APPLICABLE with another status', camaraError(400, 'SERVICE_NOT_APPLICABLE', 'x')],
    ['OUT_OF_RANGE with another status', camaraError(422, 'OUT_OF_RANGE', 'x')],
  ])('needs both status and code to match: %s -> UNAVAILABLE', (_label, result) => {
    expect(toSignalAnswer(result).status).toBe('UNAVAILABLE');
  });
});

describe('camaraError', () => {
  it('builds the CAMARA error shape { status, code, message }', () => {
    expect(camaraError(404, 'IDENTIFIER_NOT_FOUND', 'Phone number not found.')).toEqual({
      ok: false,
      status: 404,
      code: 'IDENTIFIER_NOT_FOUND',
      message: 'Phone number not found.',
    });
  });
});

describe('isTransientHttpStatus', () => {
  it.each<[number, boolean]>([
    [408, true],
    [429, true],
    [500, true],
    [502, true],
    [503, true],
    [504, true],
    // The operator does not offer the operation: retrying cannot help.
    [501, false],
    // Problems with the request or the credentials: the same request fails the same way.
    [400, false],
    [401, false],
    [403, false],
    [404, false],
    [422, false],
  ])('%i -> retryable %s', (status, expected) => {
    expect(isTransientHttpStatus(status)).toBe(expected);
  });
});
