import { Body, Controller, Get, HttpCode, Param, Post, Query, Req, Res } from '@nestjs/common';
import { ApiCreatedResponse, ApiHeader, ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { AuthenticatedRequest, CurrentPrincipal, principalOf, RequireScope } from '../auth/auth.decorators';
import { Principal } from '../auth/scopes';
import { requestCorrelator } from '../common/http/correlator.decorator';
import { IDEMPOTENCY_KEY_PATTERN, idempotencyKeyOf } from '../common/http/idempotency-key.decorator';
import { ApiErrors } from '../docs/error-responses';
import { DecisionService } from './decision.service';
import { DecisionView } from './decision.types';
import { CreateDecisionDto } from './dto/create-decision.dto';
import { DecisionPageResponse, DecisionResponse, FeedbackResponse } from './dto/decision.response';
import { FeedbackDto } from './dto/feedback.dto';
import { ListDecisionsQuery } from './dto/list-decisions.query';
import { SearchDecisionsDto } from './dto/search-decisions.dto';
import { IdempotentDecisionService } from './idempotent-decision.service';

const DECISION_ID = ApiParam({ name: 'id', description: 'The decision id.', schema: { type: 'string', format: 'uuid', example: '01a20149-7354-70d1-94a1-d52bc3b0c889' } });

@ApiTags('decisions')
@Controller('v1/decisions')
export class DecisionsController {
  constructor(
    private readonly decisions: DecisionService,
    private readonly idempotent: IdempotentDecisionService,
  ) {}

  @Post()
  @HttpCode(201)
  @RequireScope('decisions:write')
  @ApiOperation({
    operationId: 'createDecision',
    summary: 'Decide on a phone number',
    description:
      "Gathers the signals the use case's policy needs from the operator, evaluates the policy, stores the decision with its explanation, and answers it. " +
      'A decision is answered only once it is stored; a refused request stores nothing.\n\n' +
      'With an `Idempotency-Key`, a retry of the same request answers the first decision (with `Idempotent-Replayed: true`) instead of making a second one.',
  })
  @ApiHeader({
    name: 'Idempotency-Key',
    required: false,
    description: 'Makes retries safe: the same key with the same body answers the first decision again. A UUID is typical.',
    schema: { type: 'string', pattern: IDEMPOTENCY_KEY_PATTERN.source, example: '7c1e2a4e-52f4-4a55-9a4b-2f4e0b9b7d10' },
  })
  @ApiCreatedResponse({
    type: DecisionResponse,
    description: 'The decision, stored.',
    headers: { 'Idempotent-Replayed': { description: 'Present on a replay: this is the decision of an earlier request with the same Idempotency-Key.', schema: { type: 'string', enum: ['true'] } } },
  })
  @ApiErrors({
    400: 'A bad, `null` or unknown field (the message names it), an unknown use case, a `trustedSince` in the future, malformed JSON, JSON nested deeper than 16 levels, a string that is not well-formed Unicode or holds a NUL, a malformed `Idempotency-Key` or `x-correlator`.',
    409: [
      'The `Idempotency-Key` was used with a different body, or its first request is still being processed.',
      'This Idempotency-Key was already used with a different request body; use a new key for a new request.',
    ],
    503: 'The decision could not be committed within its budget (`DECISION_DEADLINE_MS` + `DECISION_WRITE_BUDGET_MS`): it was not made and is not stored; retry after `Retry-After` seconds.',
  })
  // The busiest route reads the caller, the key and the correlator from the request itself:
  // Nest sends every decorated parameter (not @Req or @Res) through an async pipe chain, about
  // eight promises each (docs/benchmarks.md), for values that need no pipe.
  async create(@Body() body: CreateDecisionDto, @Req() request: AuthenticatedRequest, @Res({ passthrough: true }) reply: FastifyReply): Promise<DecisionView> {
    const idempotencyKey = idempotencyKeyOf(request);
    const { decision, replayed } = await this.idempotent.decide(body, requestCorrelator(), principalOf(request), idempotencyKey);
    if (replayed) void reply.header('idempotent-replayed', 'true');
    return decision;
  }

  @Get()
  @RequireScope('decisions:read')
  @ApiOperation({
    operationId: 'listDecisions',
    summary: 'List decisions, newest first',
    description: 'Filters combine. To get the next page, pass `nextCursor` back as `cursor`. A key limited to some use cases sees only their decisions.',
  })
  @ApiOkResponse({ type: DecisionPageResponse, description: 'A page of decisions.' })
  list(@Query() query: ListDecisionsQuery, @CurrentPrincipal() caller: Principal): Promise<{ items: DecisionView[]; nextCursor: string | null }> {
    return this.decisions.list(query, caller);
  }

  /** The list with its filters in the body: the way to search by phone number without putting it in a URL. */
  @Post('search')
  @HttpCode(200)
  @RequireScope('decisions:read')
  @ApiOperation({
    operationId: 'searchDecisions',
    summary: 'Search decisions, newest first (filters in the body)',
    description:
      'The same answer as `GET /v1/decisions` with the same filters, sent as a JSON body instead of a query string: use it to search by `phoneNumber`, ' +
      'so that the number never appears in a URL (access logs, proxies, browser history). To get the next page, send `nextCursor` back as `cursor`.',
  })
  @ApiOkResponse({ type: DecisionPageResponse, description: 'A page of decisions.' })
  search(@Body() body: SearchDecisionsDto, @CurrentPrincipal() caller: Principal): Promise<{ items: DecisionView[]; nextCursor: string | null }> {
    return this.decisions.list(body, caller);
  }

  /** Records whether the decision turned out to be fraud or legitimate. */
  @Post(':id/feedback')
  @HttpCode(200)
  // cases:write: labelling is an analyst's work (resolving a review case labels too); admin has every scope.
  @RequireScope('cases:write')
  @ApiOperation({
    operationId: 'labelDecision',
    summary: 'Record what a decision turned out to be',
    description:
      'Labels the decision `fraud` or `legitimate`; backtests measure the precision and recall of each outcome with the labels. A new label replaces the previous one. ' +
      'Reads of the decision show it (`label`, `labeledAt`).',
  })
  @DECISION_ID
  @ApiOkResponse({ type: FeedbackResponse, description: 'The label, recorded.' })
  @ApiErrors({ 404: 'No decision with this id (or it belongs to a use case the key may not read).' })
  feedback(@Param('id') id: string, @Body() body: FeedbackDto, @CurrentPrincipal() caller: Principal): Promise<{ id: string; label: string; labeledAt: string }> {
    return this.decisions.label(id, body.label, caller);
  }

  @Get(':id')
  @RequireScope('decisions:read')
  @ApiOperation({ operationId: 'getDecision', summary: 'Read a decision', description: 'The stored decision, in exactly the shape the POST answered.' })
  @DECISION_ID
  @ApiOkResponse({ type: DecisionResponse, description: 'The decision.' })
  @ApiErrors({ 404: 'No decision with this id (or it belongs to a use case the key may not read).' })
  get(@Param('id') id: string, @CurrentPrincipal() caller: Principal): Promise<DecisionView> {
    return this.decisions.get(id, caller);
  }
}
