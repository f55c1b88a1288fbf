import { FRAUD_PREVENTION_PURPOSE } from '../http/client-credentials.token-source';
import { answer, camara, MockOperator, requestedScopes, tokensFor, useMockOperator } from '../http/mock-operator.testing';
import { SimSwapHttpClient } from './sim-swap.client';

const NUMBER = '+34600000005';
const CTX = { correlator: 'decision-44' };

describe('SimSwapHttpClient v2', () => {
  let operator: MockOperator;
  let client: SimSwapHttpClient;

  const started = useMockOperator();
  beforeEach(() => {
    operator = started();
    client = new SimSwapHttpClient({ apiRoot: operator.origin, version: 'v2', tokens: tokensFor(operator) });
  });

  describe('check', () => {
    it.each([true, false])('POSTs { phoneNumber, maxAge } in hours to /sim-swap/v2/check (swapped: %s)', async (swapped) => {
      operator.on('/sim-swap/v2/check', answer({ swapped }));

      expect(await client.check({ phoneNumber: NUMBER, maxAge: 72 }, CTX)).toEqual({ status: 'OK', value: { swapped } });
      const [request] = operator.apiRequests;
      expect(request.headers['x-correlator']).toBe('decision-44');
      // maxAge is always sent, as an integer: the spec's 240 h default is not the policy's question.
      expect(request.body).toEqual({ phoneNumber: NUMBER, maxAge: 72 });
      expect(requestedScopes(operator)).toEqual([FRAUD_PREVENTION_PURPOSE, 'sim-swap:check'].sort());
    });

    it('maps 400 OUT_OF_RANGE (maxAge beyond the operator’s monitored period) to OUT_OF_RANGE', async () => {
      operator.on('/sim-swap/v2/check', camara(400, 'OUT_OF_RANGE', 'Check monitor period could not exceed 30 days'));

      expect(await client.check({ phoneNumber: NUMBER, maxAge: 2400 }, CTX)).toEqual({
        status: 'OUT_OF_RANGE',
        reason: '400 OUT_OF_RANGE: Check monitor period could not exceed 30 days',
      });
    });
  });

  describe('retrieveDate', () => {
    it('POSTs { phoneNumber } to /sim-swap/v2/retrieve-date with a sim-swap:retrieve-date token', async () => {
      operator.on('/sim-swap/v2/retrieve-date', answer({ latestSimChange: '2024-09-18T07:37:53.471829447Z' }));

      expect(await client.retrieveDate({ phoneNumber: NUMBER }, CTX)).toEqual({
        status: 'OK',
        value: { latestSimChange: '2024-09-18T07:37:53.471829447Z' },
      });
      expect(operator.apiRequests[0].body).toEqual({ phoneNumber: NUMBER });
      expect(operator.apiRequests[0].headers['x-correlator']).toBe('decision-44');
      expect(requestedScopes(operator)).toEqual([FRAUD_PREVENTION_PURPOSE, 'sim-swap:retrieve-date'].sort());
    });

    it.each([
      // The spec's three examples: a date, null, and null with the monitored period in days.
      [{ latestSimChange: '2023-07-03T14:27:08.312+02:00' }, { latestSimChange: '2023-07-03T14:27:08.312+02:00' }],
      [{ latestSimChange: null }, { latestSimChange: null }],
      [{ latestSimChange: null, monitoredPeriod: 120 }, { latestSimChange: null, monitoredPeriod: 120 }],
    ])('reads %j', async (body, expected) => {
      operator.on('/sim-swap/v2/retrieve-date', answer(body));

      expect(await client.retrieveDate({ phoneNumber: NUMBER }, CTX)).toEqual({ status: 'OK', value: expected });
    });

    it.each<[object, string]>([
      [{}, 'latestSimChange missing (it is required, null when unknown)'],
      [{ latestSimChange: '2023-07-03T14:27:08' }, 'a date-time without a time zone'],
      [{ latestSimChange: 'yesterday' }, 'not a date-time'],
      [{ latestSimChange: null, monitoredPeriod: 'P120D' }, 'monitoredPeriod not an integer'],
    ])('reports %j as malformed: %s', async (body, _why) => {
      operator.on('/sim-swap/v2/retrieve-date', answer(body));

      expect(await client.retrieveDate({ phoneNumber: NUMBER }, CTX)).toEqual({
        status: 'UNAVAILABLE',
        reason: 'malformed 200 response: expected { latestSimChange: date-time | null, monitoredPeriod?: integer }',
        retryable: false,
      });
    });

    it('maps 404 IDENTIFIER_NOT_FOUND to NOT_SUBSCRIBER', async () => {
      operator.on('/sim-swap/v2/retrieve-date', camara(404, 'IDENTIFIER_NOT_FOUND'));

      expect((await client.retrieveDate({ phoneNumber: NUMBER }, CTX)).status).toBe('NOT_SUBSCRIBER');
    });
  });

  it('uses one token per operation scope, each fetched once for many calls', async () => {
    operator.on('/sim-swap/v2/check', answer({ swapped: false }));
    operator.on('/sim-swap/v2/retrieve-date', answer({ latestSimChange: null }));

    await Promise.all(
      Array.from({ length: 5 }, () => [
        client.check({ phoneNumber: NUMBER, maxAge: 24 }, CTX),
        client.retrieveDate({ phoneNumber: NUMBER }, CTX),
      ]).flat(),
    );

    expect(operator.apiRequests).toHaveLength(10);
    expect(operator.tokenRequests).toHaveLength(2);
  });
});
