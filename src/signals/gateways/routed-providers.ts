import { DeviceSwapSignal } from '../device-swap/device-swap.signal';
import { NumberRecyclingSignal, NumberRecyclingAnswer, NumberRecyclingQuery } from '../number-recycling/number-recycling.signal';
import { SignalAnswer, SignalCallContext, SignalName } from '../signal.types';
import { SimSwapDateAnswer, SimSwapSignal, SwapCheckAnswer, SwapCheckQuery, SwapDateQuery } from '../sim-swap/sim-swap.signal';
import { DeviceSwapDateAnswer } from '../device-swap/device-swap.signal';
import { TenureAnswer, TenureQuery, TenureSignal } from '../tenure/tenure.signal';
import { SignalRouting } from './gateway-router';

/** Not asked, not billed: no gateway of this deployment serves the number for this API. */
export function noCoverage<T>(signal: SignalName): Promise<SignalAnswer<T>> {
  return Promise.resolve({ status: 'NO_COVERAGE', reason: `no configured gateway serves this number for ${signal}` });
}

/** The client of the gateway that serves `phoneNumber` for `signal`, if any. */
function pick<C>(routing: SignalRouting, clients: ReadonlyMap<string, C>, signal: SignalName, phoneNumber: string): C | undefined {
  const gateway = routing.route(signal, phoneNumber);
  return gateway === null ? undefined : clients.get(gateway);
}

// One class per signal contract: each sends a query to the client of the number's gateway.

export class RoutedTenure extends TenureSignal {
  constructor(private readonly routing: SignalRouting, private readonly clients: ReadonlyMap<string, TenureSignal>) {
    super();
  }

  checkTenure(query: TenureQuery, ctx: SignalCallContext): Promise<SignalAnswer<TenureAnswer>> {
    return pick(this.routing, this.clients, 'tenure', query.phoneNumber)?.checkTenure(query, ctx) ?? noCoverage('tenure');
  }
}

export class RoutedNumberRecycling extends NumberRecyclingSignal {
  constructor(private readonly routing: SignalRouting, private readonly clients: ReadonlyMap<string, NumberRecyclingSignal>) {
    super();
  }

  check(query: NumberRecyclingQuery, ctx: SignalCallContext): Promise<SignalAnswer<NumberRecyclingAnswer>> {
    return pick(this.routing, this.clients, 'numberRecycling', query.phoneNumber)?.check(query, ctx) ?? noCoverage('numberRecycling');
  }
}

export class RoutedSimSwap extends SimSwapSignal {
  constructor(private readonly routing: SignalRouting, private readonly clients: ReadonlyMap<string, SimSwapSignal>) {
    super();
  }

  check(query: SwapCheckQuery, ctx: SignalCallContext): Promise<SignalAnswer<SwapCheckAnswer>> {
    return pick(this.routing, this.clients, 'simSwap', query.phoneNumber)?.check(query, ctx) ?? noCoverage('simSwap');
  }

  retrieveDate(query: SwapDateQuery, ctx: SignalCallContext): Promise<SignalAnswer<SimSwapDateAnswer>> {
    return pick(this.routing, this.clients, 'simSwap', query.phoneNumber)?.retrieveDate(query, ctx) ?? noCoverage('simSwap');
  }
}

export class RoutedDeviceSwap extends DeviceSwapSignal {
  constructor(private readonly routing: SignalRouting, private readonly clients: ReadonlyMap<string, DeviceSwapSignal>) {
    super();
  }

  check(query: SwapCheckQuery, ctx: SignalCallContext): Promise<SignalAnswer<SwapCheckAnswer>> {
    return pick(this.routing, this.clients, 'deviceSwap', query.phoneNumber)?.check(query, ctx) ?? noCoverage('deviceSwap');
  }

  retrieveDate(query: SwapDateQuery, ctx: SignalCallContext): Promise<SignalAnswer<DeviceSwapDateAnswer>> {
    return pick(this.routing, this.clients, 'deviceSwap', query.phoneNumber)?.retrieveDate(query, ctx) ?? noCoverage('deviceSwap');
  }
}
