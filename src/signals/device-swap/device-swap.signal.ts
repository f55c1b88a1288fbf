import { SignalAnswer, SignalCallContext } from '../signal.types';
import { SwapCheckAnswer, SwapCheckQuery, SwapDateQuery } from '../sim-swap/sim-swap.signal';

export interface DeviceSwapDateAnswer {
  /** ISO 8601 date-time, or null when the operator cannot tell. */
  latestDeviceChange: string | null;
  monitoredPeriod?: number;
}

export abstract class DeviceSwapSignal {
  abstract check(query: SwapCheckQuery, ctx: SignalCallContext): Promise<SignalAnswer<SwapCheckAnswer>>;
  abstract retrieveDate(
    query: SwapDateQuery,
    ctx: SignalCallContext,
  ): Promise<SignalAnswer<DeviceSwapDateAnswer>>;
}
