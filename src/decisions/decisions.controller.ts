import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { Correlator } from '../common/http/correlator.decorator';
import { DecisionService } from './decision.service';
import { DecisionView } from './decision.types';
import { CreateDecisionDto } from './dto/create-decision.dto';
import { FeedbackDto } from './dto/feedback.dto';
import { ListDecisionsQuery } from './dto/list-decisions.query';

@Controller('v1/decisions')
export class DecisionsController {
  constructor(private readonly decisions: DecisionService) {}

  @Post()
  @HttpCode(201)
  create(@Body() body: CreateDecisionDto, @Correlator() correlator: string): Promise<DecisionView> {
    return this.decisions.decide(body, correlator);
  }

  @Get()
  list(@Query() query: ListDecisionsQuery): Promise<{ items: DecisionView[]; nextCursor: string | null }> {
    return this.decisions.list(query);
  }

  /** Records whether the decision turned out to be fraud or legitimate. */
  @Post(':id/feedback')
  @HttpCode(200)
  feedback(@Param('id') id: string, @Body() body: FeedbackDto): Promise<{ id: string; label: string; labeledAt: string }> {
    return this.decisions.label(id, body.label);
  }

  @Get(':id')
  get(@Param('id') id: string): Promise<DecisionView> {
    return this.decisions.get(id);
  }
}
