import { Injectable } from '@nestjs/common';
import { toSignalAnswer } from '../camara-result';
import { SandboxOperator } from '../sandbox/sandbox-operator';
import { SignalAnswer } from '../signal.types';
import { TenureAnswer, TenureQuery, TenureSignal } from './tenure.signal';

/** KYC Tenure answered in-process by the sandbox operator (the default provider). */
@Injectable()
export class TenureSandboxProvider extends TenureSignal {
  constructor(private readonly operator: SandboxOperator) {
    super();
  }

  async checkTenure(query: TenureQuery): Promise<SignalAnswer<TenureAnswer>> {
    return toSignalAnswer(this.operator.checkTenure(query));
  }
}
