import { Injectable } from '@nestjs/common';
import { toSignalAnswer } from '../camara-result';
import { SandboxOperator } from '../sandbox/sandbox-operator';
import { SignalAnswer } from '../signal.types';
import { SimSwapDateAnswer, SimSwapSignal, SwapCheckAnswer, SwapCheckQuery, SwapDateQuery } from './sim-swap.signal';

/** SIM Swap answered in-process by the sandbox operator (the default provider). */
@Injectable()
export class SimSwapSandboxProvider extends SimSwapSignal {
  constructor(private readonly operator: SandboxOperator) {
    super();
  }

  async check(query: SwapCheckQuery): Promise<SignalAnswer<SwapCheckAnswer>> {
    return toSignalAnswer(this.operator.checkSimSwap(query));
  }

  async retrieveDate(query: SwapDateQuery): Promise<SignalAnswer<SimSwapDateAnswer>> {
    return toSignalAnswer(this.operator.retrieveSimSwapDate(query));
  }
}
