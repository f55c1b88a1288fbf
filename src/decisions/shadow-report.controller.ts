import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal, RequireScope } from '../auth/auth.decorators';
import { Principal } from '../auth/scopes';
import { ApiErrors } from '../docs/error-responses';
import { ShadowReportQuery } from './dto/shadow-report.query';
import { ShadowReportResponse } from './dto/shadow-report.response';
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
  @ApiParam({ name: 'id', description: 'The policy id (the use case).', schema: { type: 'string', pattern: '^[a-z][a-z0-9_]{0,63}$', example: 'onboarding' } })
  @ApiOkResponse({ type: ShadowReportResponse, description: 'The report.' })
  @ApiErrors({ 404: ['No policy with this id.', 'policy onboarding not found'] })
  report(@Param('id') id: string, @Query() query: ShadowReportQuery, @CurrentPrincipal() caller: Principal): Promise<ShadowReport> {
    return this.shadow.report(id, caller, query.from ? new Date(query.from) : undefined, query.to ? new Date(query.to) : undefined);
  }
}
