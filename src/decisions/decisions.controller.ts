import { Body, Controller, Get, HttpCode, Param, Post, Query, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { CurrentPrincipal, RequireScope } from '../auth/auth.decorators';
import { Principal } from '../auth/scopes';
import { Correlator } from '../common/http/correlator.decorator';
import { IdempotencyKey } from '../common/http/idempotency-key.decorator';
import { DecisionService } from './decision.service';
import { DecisionView } from './decision.types';
import { CreateDecisionDto } from './dto/create-decision.dto';
import { FeedbackDto } from './dto/feedback.dto';
import { ListDecisionsQuery } from './dto/list-decisions.query';
import { IdempotentDecisions } from './idempotent-decisions';

@Controller('v1/decisions')
export class DecisionsController {
  constructor(
    private readonly decisions: DecisionService,
    private readonly idempotent: IdempotentDecisions,
  ) {}

  @Post()
  @HttpCode(201)
  @RequireScope('decisions:write')
  async create(
    @Body() body: CreateDecisionDto,
    @Correlator() correlator: string,
    @CurrentPrincipal() caller: Principal,
    @IdempotencyKey() idempotencyKey: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<DecisionView> {
    const { decision, replayed } = await this.idempotent.decide(body, correlator, caller, idempotencyKey);
    if (replayed) void reply.header('idempotent-replayed', 'true');
    return decision;
  }

  @Get()
  @RequireScope('decisions:read')
  list(@Query() query: ListDecisionsQuery, @CurrentPrincipal() caller: Principal): Promise<{ items: DecisionView[]; nextCursor: string | null }> {
    return this.decisions.list(query, caller);
  }

  /** Records whether the decision turned out to be fraud or legitimate. */
  @Post(':id/feedback')
  @HttpCode(200)
  @RequireScope('admin')
  feedback(@Param('id') id: string, @Body() body: FeedbackDto): Promise<{ id: string; label: string; labeledAt: string }> {
    return this.decisions.label(id, body.label);
  }

  @Get(':id')
  @RequireScope('decisions:read')
  get(@Param('id') id: string, @CurrentPrincipal() caller: Principal): Promise<DecisionView> {
    return this.decisions.get(id, caller);
  }
}
