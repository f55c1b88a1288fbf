import { FRAUD_PREVENTION_PURPOSE } from '../http/client-credentials.token-source';
import { answer, camara, MockOperator, requestedScopes, tokensFor, useMockOperator } from '../http/mock-operator.testing';
import { DeviceSwapHttpClient } from './device-swap.client';

const NUMBER = '+34600000004';
const CTX = { correlator: 'decision-45' };

describe('DeviceSwapHttpClient v1', () => {
  let operator: MockOperator;
  let client: DeviceSwapHttpClient;

  const started = useMockOperator();
  beforeEach(() => {
    operator = started();
    client = new DeviceSwapHttpClient({ apiRoot: operator.origin, version: 'v1', tokens: tokensFor(operator) });
  });

  describe('check', () => {
    it.each([true, false])('POSTs { phoneNumber, maxAge } in hours to /device-swap/v1/check (swapped: %s)', async (swapped) => {
      operator.on('/device-swap/v1/check', answer({ swapped }));

      expect(await client.check({ phoneNumber: NUMBER, maxAge: 24 }, CTX)).toEqual({ status: 'OK', value: { swapped } });
      const [request] = operator.apiRequests;
      expect(request.headers['x-correlator']).toBe('decision-45');
      expect(request.body).toEqual({ phoneNumber: NUMBER, maxAge: 24 });
      expect(requestedScopes(operator)).toEqual([FRAUD_PREVENTION_PURPOSE, 'device-swap:check'].sort());
    });

    it('maps 422 SERVICE_NOT_APPLICABLE (no device data for the line) to NOT_APPLICABLE', async () => {
      operator.on('/device-swap/v1/check', camara(422, 'SERVICE_NOT_APPLICABLE', 'no device data'));

      expect(await client.check({ phoneNumber: NUMBER, maxAge: 24 }, CTX)).toEqual({
        status: 'NOT_APPLICABLE',
        reason: '422 SERVICE_NOT_APPLICABLE: no device data',
      });
    });

    it('reports a 200 without a boolean swapped as malformed', async () => {
      operator.on('/device-swap/v1/check', answer({ swapped: 1 }));

      expect(await client.check({ phoneNumber: NUMBER, maxAge: 24 }, CTX)).toMatchObject({
        status: 'UNAVAILABLE',
        retryable: false,
      });
    });
  });

  describe('retrieveDate', () => {
    it('POSTs { phoneNumber } to /device-swap/v1/retrieve-date with a device-swap:retrieve-date token', async () => {
      operator.on('/device-swap/v1/retrieve-date', answer({ latestDeviceChange: '2023-07-03T14:27:08.312+02:00' }));

      expect(await client.retrieveDate({ phoneNumber: NUMBER }, CTX)).toEqual({
        status: 'OK',
        value: { latestDeviceChange: '2023-07-03T14:27:08.312+02:00' },
      });
      expect(operator.apiRequests[0].body).toEqual({ phoneNumber: NUMBER });
      expect(operator.apiRequests[0].headers['x-correlator']).toBe('decision-45');
      expect(requestedScopes(operator)).toEqual([FRAUD_PREVENTION_PURPOSE, 'device-swap:retrieve-date'].sort());
    });

    it('reads null with a monitored period (no change within it)', async () => {
      operator.on('/device-swap/v1/retrieve-date', answer({ latestDeviceChange: null, monitoredPeriod: 120 }));

      expect(await client.retrieveDate({ phoneNumber: NUMBER }, CTX)).toEqual({
        status: 'OK',
        value: { latestDeviceChange: null, monitoredPeriod: 120 },
      });
    });

    it('reports a SIM Swap shaped answer as malformed', async () => {
      operator.on('/device-swap/v1/retrieve-date', answer({ latestSimChange: null }));

      expect(await client.retrieveDate({ phoneNumber: NUMBER }, CTX)).toEqual({
        status: 'UNAVAILABLE',
        reason: 'malformed 200 response: expected { latestDeviceChange: date-time | null, monitoredPeriod?: integer }',
        retryable: false,
      });
    });
  });

  it('refuses a version whose bodies it does not know', () => {
    const tokens = tokensFor(operator);
    expect(() => new DeviceSwapHttpClient({ apiRoot: operator.origin, version: 'v2', tokens })).toThrow(
      'Device Swap: unsupported API version "v2" (supported: v1, v0.1, v040)',
    );
  });
});
