import { Injectable } from '@nestjs/common';
import { assertUseCase, Principal } from '../auth/scopes';
import { NotFoundError } from '../common/errors/domain.error';
import { PolicyRegistry } from '../policies/policy.registry';
import { BacktestReport } from '../scoring/backtest';
import { BacktestService } from './backtest.service';
import { BacktestRequestDto } from './dto/backtest-request.dto';

const POLICY_ID = /^[a-z][a-z0-9_]{0,63}$/;

/**
 * A backtest of the candidate registered beside a policy (`rules/<id>.candidate.json`), the
 * one running in shadow: the same version the shadow report speaks of, already validated.
 */
@Injectable()
export class CandidateBacktestService {
  constructor(
    private readonly policies: PolicyRegistry,
    private readonly backtests: BacktestService,
  ) {}

  async run(policyId: string, range: BacktestRequestDto, caller: Principal): Promise<BacktestReport> {
    assertUseCase(caller, policyId);
    // Only a well-formed id is echoed back in a message.
    if (!this.policies.list().some((p) => p.id === policyId)) {
      throw new NotFoundError(POLICY_ID.test(policyId) ? `policy ${policyId} not found` : 'policy not found');
    }
    const candidate = this.policies.candidate(policyId);
    if (!candidate) throw new NotFoundError(`policy ${policyId} has no candidate: add rules/${policyId}.candidate.json to backtest one`);
    return this.backtests.run(candidate, {
      from: range.from === undefined ? undefined : new Date(range.from),
      to: range.to === undefined ? undefined : new Date(range.to),
    });
  }
}
