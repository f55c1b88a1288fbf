import { Controller, Get, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal, RequireScope } from '../auth/auth.decorators';
import { Principal } from '../auth/scopes';
import { DecisionBreakdown, DecisionStats, DecisionStatsService, MAX_SCANNED } from './decision-stats.service';
import { DecisionStatsQuery } from './dto/decision-stats.query';
import { DecisionBreakdownResponse, DecisionStatsResponse } from './dto/decision-stats.response';

@ApiTags('decisions')
@Controller('v1/decisions')
export class DecisionStatsController {
  constructor(private readonly stats: DecisionStatsService) {}

  /** Decisions per outcome in each hour or day of a time range (the use cases of the key only). */
  @Get('stats')
  @RequireScope('decisions:read')
  @ApiOperation({
    operationId: 'getDecisionStats',
    summary: 'Count decisions per outcome over time',
    description:
      'Decisions per outcome in each UTC hour or day of a time range (at most 200 buckets). Without `from`, the last 24 hours or 30 days; without `to`, up to the current bucket. ' +
      'A key limited to some use cases counts only theirs.',
  })
  @ApiOkResponse({ type: DecisionStatsResponse, description: 'The counts.' })
  outcomes(@Query() query: DecisionStatsQuery, @CurrentPrincipal() caller: Principal): Promise<DecisionStats> {
    return this.stats.stats(query, caller);
  }

  /** Score bands and rule hits per hour or day: what the explorer charts beside the outcomes. */
  @Get('stats/breakdown')
  @RequireScope('decisions:read')
  @ApiOperation({
    operationId: 'getDecisionBreakdown',
    summary: 'Score distribution and rule hits over time',
    description:
      'For the same range and buckets as `GET /v1/decisions/stats`: decisions per score band, and how often each rule fired in each bucket. ' +
      `Rule hits read each decision's reasons, the newest first, at most ${MAX_SCANNED} per request (\`complete\` says whether that was all of them). ` +
      'A key limited to some use cases counts only theirs.',
  })
  @ApiOkResponse({ type: DecisionBreakdownResponse, description: 'The score bands and rule hits.' })
  breakdown(@Query() query: DecisionStatsQuery, @CurrentPrincipal() caller: Principal): Promise<DecisionBreakdown> {
    return this.stats.breakdown(query, caller);
  }
}
