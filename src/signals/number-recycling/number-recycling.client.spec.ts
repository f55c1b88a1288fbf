import { FRAUD_PREVENTION_PURPOSE } from '../http/client-credentials.token-source';
import { answer, camara, MockOperator, requestedScopes, tokensFor, useMockOperator } from '../http/mock-operator.testing';
import { NUMBER_RECYCLING_API_VERSIONS, NumberRecyclingHttpClient } from './number-recycling.client';

const NUMBER = '+34600000002';
const CTX = { correlator: 'decision-43' };
const QUERY = { phoneNumber: NUMBER, specifiedDate: '2024-01-01' };

describe.each(NUMBER_RECYCLING_API_VERSIONS)('NumberRecyclingHttpClient %s', (version) => {
  const path = `/number-recycling/${version}/check`;
  let operator: MockOperator;
  let client: NumberRecyclingHttpClient;

  const started = useMockOperator();
  beforeEach(() => {
    operator = started();
    client = new NumberRecyclingHttpClient({ apiRoot: operator.origin, version, tokens: tokensFor(operator) });
  });

  it.each([true, false])(
    `POSTs { phoneNumber, specifiedDate } to ${path} with a number-recycling:check token (recycled: %s)`,
    async (recycled) => {
      operator.on(path, answer({ phoneNumberRecycled: recycled }));

      expect(await client.check(QUERY, CTX)).toEqual({ status: 'OK', value: { phoneNumberRecycled: recycled } });
      const [request] = operator.apiRequests;
      expect(request).toMatchObject({ path, headers: { 'x-correlator': 'decision-43' } });
      expect(request.body).toEqual({ phoneNumber: NUMBER, specifiedDate: '2024-01-01' });
      expect(requestedScopes(operator)).toEqual([FRAUD_PREVENTION_PURPOSE, 'number-recycling:check'].sort());
    },
  );

  it('reports "true" as a string as malformed: the spec says Boolean, not string', async () => {
    operator.on(path, answer({ phoneNumberRecycled: 'true' }));

    expect(await client.check(QUERY, CTX)).toMatchObject({ status: 'UNAVAILABLE', retryable: false });
  });

  it.each([
    [404, 'IDENTIFIER_NOT_FOUND', 'NOT_SUBSCRIBER'],
    [400, 'OUT_OF_RANGE', 'OUT_OF_RANGE'], // specifiedDate outside what the operator can evaluate
    [422, 'SERVICE_NOT_APPLICABLE', 'NOT_APPLICABLE'],
  ])('maps %i %s to %s', async (status, code, expected) => {
    operator.on(path, camara(status, code));

    expect((await client.check(QUERY, CTX)).status).toBe(expected);
  });
});
