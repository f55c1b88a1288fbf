import { FRAUD_PREVENTION_PURPOSE } from '../http/client-credentials.token-source';
import { answer, camara, MockOperator, requestedScopes, tokensFor, useMockOperator } from '../http/mock-operator.testing';
import { TENURE_API_VERSIONS, TenureHttpClient } from './tenure.client';

const NUMBER = '+34600000002';
const CTX = { correlator: 'decision-42' };

describe.each(TENURE_API_VERSIONS)('TenureHttpClient %s', (version) => {
  const path = `/kyc-tenure/${version}/check-tenure`;
  let operator: MockOperator;
  let client: TenureHttpClient;

  const started = useMockOperator();
  beforeEach(() => {
    operator = started();
    client = new TenureHttpClient({ apiRoot: operator.origin, version, tokens: tokensFor(operator) });
  });

  it(`POSTs { phoneNumber, tenureDate } to ${path} with a kyc-tenure:check-tenure token`, async () => {
    operator.on(path, answer({ tenureDateCheck: true, contractType: 'PAYM' }));

    const result = await client.checkTenure({ phoneNumber: NUMBER, tenureDate: '2026-02-08' }, CTX);

    expect(result).toEqual({ status: 'OK', value: { tenureDateCheck: true, contractType: 'PAYM' } });
    expect(operator.apiRequests).toHaveLength(1);
    expect(operator.apiRequests[0]).toMatchObject({
      path,
      body: { phoneNumber: NUMBER, tenureDate: '2026-02-08' },
      headers: { 'x-correlator': 'decision-42' },
    });
    expect(Object.keys(operator.apiRequests[0].body as object)).toEqual(['phoneNumber', 'tenureDate']);
    expect(requestedScopes(operator)).toEqual([FRAUD_PREVENTION_PURPOSE, 'kyc-tenure:check-tenure'].sort());
  });

  it.each([
    // contractType is optional: absent means unknown, and an unknown value is treated the same.
    [{ tenureDateCheck: false }, { tenureDateCheck: false }],
    [{ tenureDateCheck: false, contractType: 'PAYG' }, { tenureDateCheck: false, contractType: 'PAYG' }],
    [{ tenureDateCheck: true, contractType: 'Business' }, { tenureDateCheck: true, contractType: 'Business' }],
    [{ tenureDateCheck: true, contractType: 'Prepaid' }, { tenureDateCheck: true }],
    [{ tenureDateCheck: true, contractType: null }, { tenureDateCheck: true }],
    // Fields the spec does not define are not stored with the decision.
    [{ tenureDateCheck: true, since: '2019-01-01' }, { tenureDateCheck: true }],
  ])('reads %j as %j', async (body, expected) => {
    operator.on(path, answer(body));

    expect(await client.checkTenure({ phoneNumber: NUMBER, tenureDate: '2026-02-08' }, CTX)).toEqual({
      status: 'OK',
      value: expected,
    });
  });

  it('reports a 200 without a boolean tenureDateCheck as malformed', async () => {
    operator.on(path, answer({ tenureDateCheck: 'yes', contractType: 'PAYM' }));

    expect(await client.checkTenure({ phoneNumber: NUMBER, tenureDate: '2026-02-08' }, CTX)).toMatchObject({
      status: 'UNAVAILABLE',
      retryable: false,
    });
  });

  it.each([
    [404, 'IDENTIFIER_NOT_FOUND', 'NOT_SUBSCRIBER'],
    [400, 'OUT_OF_RANGE', 'OUT_OF_RANGE'], // tenureDate beyond the operator's window
    [422, 'SERVICE_NOT_APPLICABLE', 'NOT_APPLICABLE'],
  ])('maps %i %s to %s', async (status, code, expected) => {
    operator.on(path, camara(status, code));

    const result = await client.checkTenure({ phoneNumber: NUMBER, tenureDate: '1990-01-01' }, CTX);

    expect(result.status).toBe(expected);
  });
});

describe('TenureHttpClient versions', () => {
  it('refuses a version the specs here do not define', () => {
    const tokens = { token: async () => 't', invalidate: () => undefined };
    expect(() => new TenureHttpClient({ apiRoot: 'http://127.0.0.1:1', version: 'v0.4', tokens })).toThrow(
      'KYC Tenure: unsupported API version "v0.4" (supported: v0.3rc1, v0.2, v0.1, v040)',
    );
  });
});
