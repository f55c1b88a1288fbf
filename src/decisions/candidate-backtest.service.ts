import { Injectable } from '@nestjs/common';
import { assertUseCase, Principal } from '../auth/scopes';
import { NotFoundError } from '../common/errors/domain.error';
import { PolicyRegistry } from '../policies/policy.registry';
import { BacktestReport } from '../scoring/backtest';
import { BacktestService } from './backtest.service';
import { BacktestRequestDto } from './dto/backtest-request.dto';
import { dateRange } from './dto/time-range.query';

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
    this.policies.requireActive(policyId);
    const candidate = this.policies.candidate(policyId);
    if (!candidate) throw new NotFoundError(`policy ${policyId} has no candidate: add rules/${policyId}.candidate.json to backtest one`);
    return this.backtests.run(candidate, dateRange(range));
  }
}
