import { Controller, Get, Param, Query } from '@nestjs/common';
import { CurrentPrincipal, RequireScope } from '../auth/auth.decorators';
import { assertUseCase, Principal } from '../auth/scopes';
import { ShadowReportQuery } from './dto/shadow-report.query';
import { ShadowReport, ShadowReportService } from './shadow-report.service';

@Controller('v1/policies')
export class ShadowReportController {
  constructor(private readonly shadow: ShadowReportService) {}

  /** Agreement between the active policy and its shadow candidates, as an outcome-change matrix. */
  @Get(':id/shadow')
  @RequireScope('policies:read')
  report(@Param('id') id: string, @Query() query: ShadowReportQuery, @CurrentPrincipal() caller: Principal): Promise<ShadowReport> {
    assertUseCase(caller, id);
    return this.shadow.report(id, query.from ? new Date(query.from) : undefined, query.to ? new Date(query.to) : undefined);
  }
}
