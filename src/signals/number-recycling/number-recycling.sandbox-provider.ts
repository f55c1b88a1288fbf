import { Injectable } from '@nestjs/common';
import { toSignalAnswer } from '../camara-result';
import { SandboxOperator } from '../sandbox/sandbox-operator';
import { SignalAnswer } from '../signal.types';
import { NumberRecyclingAnswer, NumberRecyclingQuery, NumberRecyclingSignal } from './number-recycling.signal';

/** Number Recycling answered in-process by the sandbox operator (the default provider). */
@Injectable()
export class NumberRecyclingSandboxProvider extends NumberRecyclingSignal {
  constructor(private readonly operator: SandboxOperator) {
    super();
  }

  async check(query: NumberRecyclingQuery): Promise<SignalAnswer<NumberRecyclingAnswer>> {
    return toSignalAnswer(this.operator.checkNumberRecycling(query));
  }
}
