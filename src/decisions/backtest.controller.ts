import { Body, Controller, HttpCode, Param, Post } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal, RequireScope } from '../auth/auth.decorators';
import { Principal } from '../auth/scopes';
import { ApiErrors } from '../docs/error-responses';
import { POLICY_ID } from '../policies/policies.controller';
import { BacktestReport } from '../scoring/backtest';
import { CandidateBacktestService } from './candidate-backtest.service';
import { BacktestRequestDto } from './dto/backtest-request.dto';
import { BacktestReportResponse } from './dto/backtest.response';

@ApiTags('policies')
@Controller('v1/policies')
export class BacktestController {
  constructor(private readonly backtests: CandidateBacktestService) {}

  /** Replays the stored decisions of a time range against the policy's registered candidate. */
  @Post(':id/backtest')
  @HttpCode(200)
  @RequireScope('admin')
  @ApiOperation({
    operationId: 'backtestPolicyCandidate',
    summary: "Backtest a policy's candidate on stored decisions",
    description:
      'Replays the stored decisions of a time range against the candidate registered beside the policy (`rules/<id>.candidate.json`), on the signals they were made with: ' +
      'how outcomes and rule hits change, which decisions change, and, with feedback labels, the precision and recall of each outcome before and after. Nothing is asked of the operator.',
  })
  @POLICY_ID
  @ApiOkResponse({ type: BacktestReportResponse, description: 'The report.' })
  @ApiErrors({ 404: ['No policy with this id, or it has no candidate.', 'policy onboarding has no candidate: add rules/onboarding.candidate.json to backtest one'] })
  run(@Param('id') id: string, @Body() body: BacktestRequestDto, @CurrentPrincipal() caller: Principal): Promise<BacktestReport> {
    return this.backtests.run(id, body, caller);
  }
}
