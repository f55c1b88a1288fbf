import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal, RequireScope } from '../auth/auth.decorators';
import { Principal } from '../auth/scopes';
import { ApiErrors } from '../docs/error-responses';
import { POLICY_ID } from '../policies/policies.controller';
import { ShadowReportQuery } from './dto/shadow-report.query';
import { ShadowReportResponse } from './dto/shadow-report.response';
import { dateRange } from './dto/time-range.query';
import { ShadowReport, ShadowReportService } from './shadow-report.service';

@ApiTags('policies')
@Controller('v1/policies')
export class ShadowReportController {
  constructor(private readonly shadow: ShadowReportService) {}

  /** Agreement between the active policy and its shadow candidates, as an outcome-change matrix. */
  @Get(':id/shadow')
  @RequireScope('policies:read')
  @ApiOperation({
    operationId: 'getShadowReport',
    summary: "Compare a policy's shadow candidates with it",
    description:
      'For each shadow candidate version (`<id>.candidate.json`): whether it is running, the decisions it shadowed, its agreement with the active policy, and the matrix of active outcome -> candidate outcome counts.',
  })
  @POLICY_ID
  @ApiOkResponse({ type: ShadowReportResponse, description: 'The report.' })
  @ApiErrors({ 404: ['No policy with this id.', 'policy onboarding not found'] })
  report(@Param('id') id: string, @Query() query: ShadowReportQuery, @CurrentPrincipal() caller: Principal): Promise<ShadowReport> {
    const { from, to } = dateRange(query);
    return this.shadow.report(id, caller, from, to);
  }
}
