import { Injectable } from '@nestjs/common';
import { toSignalAnswer } from '../camara-result';
import { SandboxOperator } from '../sandbox/sandbox-operator';
import { SwapCheckAnswer, SwapCheckQuery, SwapDateQuery } from '../sim-swap/sim-swap.signal';
import { SignalAnswer } from '../signal.types';
import { DeviceSwapDateAnswer, DeviceSwapSignal } from './device-swap.signal';

/** Device Swap answered in-process by the sandbox operator (the default provider). */
@Injectable()
export class DeviceSwapSandboxProvider extends DeviceSwapSignal {
  constructor(private readonly operator: SandboxOperator) {
    super();
  }

  async check(query: SwapCheckQuery): Promise<SignalAnswer<SwapCheckAnswer>> {
    return toSignalAnswer(this.operator.checkDeviceSwap(query));
  }

  async retrieveDate(query: SwapDateQuery): Promise<SignalAnswer<DeviceSwapDateAnswer>> {
    return toSignalAnswer(this.operator.retrieveDeviceSwapDate(query));
  }
}
