import { SignalName } from '../signal.types';
import { PrefixRouter, Route, SingleRoute } from './gateway-router';

/** Which APIs each gateway offers, as buildGateways derives it from the file. */
const OFFERS: Record<string, readonly SignalName[]> = {
  telefonica: ['tenure', 'numberRecycling', 'simSwap', 'deviceSwap'],
  orange: ['simSwap'],
  mvno: ['simSwap', 'deviceSwap'],
  aggregator: ['simSwap', 'tenure'],
};
const GATEWAYS = Object.keys(OFFERS);
const offers = (gateway: string, signal: SignalName) => OFFERS[gateway]?.includes(signal) ?? false;

const ROUTES: Route[] = [
  { prefix: '+34', gateway: 'telefonica' },
  { prefix: '+3466', gateway: 'orange' },
  { prefix: '+346612', gateway: 'mvno' },
];

describe('PrefixRouter', () => {
  describe.each([
    ['shortest first', ROUTES],
    ['longest first', [...ROUTES].reverse()],
  ])('with routes listed %s', (_order, routes) => {
    const router = new PrefixRouter(routes, 'aggregator', offers, GATEWAYS);

    it.each<[SignalName, string, string | null, string]>([
      ['simSwap', '+34600000001', 'telefonica', 'only +34 matches'],
      ['simSwap', '+34660000001', 'orange', '+3466 is longer than +34'],
      ['simSwap', '+34661200001', 'mvno', '+346612 is the longest'],
      ['deviceSwap', '+34661200001', 'mvno', 'the MVNO offers Device Swap'],
      // Orange does not offer Device Swap: +3466 is skipped for the shorter +34.
      ['deviceSwap', '+34660000001', 'telefonica', 'a gateway without the API is skipped for a shorter prefix'],
      ['tenure', '+34661200001', 'telefonica', 'both longer prefixes lack the API'],
      ['tenure', '+447700900123', 'aggregator', 'no prefix: the default'],
      ['simSwap', '+33612345678', 'aggregator', 'no prefix: the default'],
      // The default does not offer Device Swap or Number Recycling either: no coverage.
      ['deviceSwap', '+447700900123', null, 'no prefix, and the default lacks the API'],
      ['numberRecycling', '+33612345678', null, 'no prefix, and the default lacks the API'],
    ])('routes %s for %s to %s (%s)', (signal, phoneNumber, expected) => {
      expect(router.route(signal, phoneNumber)).toBe(expected);
    });
  });

  it('falls to the default when the only matching route lacks the API', () => {
    const router = new PrefixRouter([{ prefix: '+3466', gateway: 'orange' }], 'aggregator', offers, GATEWAYS);

    expect(router.route('tenure', '+34660000001')).toBe('aggregator');
    expect(router.route('simSwap', '+34660000001')).toBe('orange');
  });

  it('answers null for every number no route matches when there is no default', () => {
    const router = new PrefixRouter(ROUTES, undefined, offers, GATEWAYS);

    expect(router.route('simSwap', '+447700900123')).toBeNull();
    expect(router.route('simSwap', '+34600000001')).toBe('telefonica');
  });

  it('matches prefixes at the start of the number only', () => {
    const router = new PrefixRouter([{ prefix: '+44', gateway: 'telefonica' }], undefined, offers, GATEWAYS);

    expect(router.route('simSwap', '+34440000000')).toBeNull();
  });

  it('with only a default, sends every number there for the APIs it offers', () => {
    const router = new PrefixRouter([], 'aggregator', offers, GATEWAYS);

    expect(router.route('simSwap', '+34600000001')).toBe('aggregator');
    expect(router.route('deviceSwap', '+34600000001')).toBeNull();
  });

  it('lists, per API, every gateway that offers it', () => {
    const router = new PrefixRouter(ROUTES, 'aggregator', offers, GATEWAYS);

    expect(router.gatewaysFor('simSwap')).toEqual(['telefonica', 'orange', 'mvno', 'aggregator']);
    expect(router.gatewaysFor('deviceSwap')).toEqual(['telefonica', 'mvno']);
    expect(router.gatewaysFor('numberRecycling')).toEqual(['telefonica']);
  });
});

describe('SingleRoute', () => {
  it('sends everything to its one gateway', () => {
    const router = new SingleRoute('sandbox');

    expect(router.route()).toBe('sandbox');
    expect(router.gatewaysFor()).toEqual(['sandbox']);
  });
});
