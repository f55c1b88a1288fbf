import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiAcceptedResponse, ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal, RequireScope } from '../auth/auth.decorators';
import { Principal } from '../auth/scopes';
import { EmptyBodyDto } from '../common/http/empty-body.dto';
import { ApiErrors } from '../docs/error-responses';
import { CreateWebhookDto } from './dto/create-webhook.dto';
import { ListDeliveriesQuery } from './dto/list-deliveries.query';
import {
  NewWebhookSubscriptionResponse,
  WebhookDeliveryListResponse,
  WebhookDeliveryResponse,
  WebhookSubscriptionListResponse,
  WebhookSubscriptionResponse,
} from './dto/webhook.response';
import { DeliveryView, SubscriptionView } from './webhook.types';
import { WebhookSubscriptionService } from './webhook-subscription.service';

const SUBSCRIPTION_ID = ApiParam({ name: 'id', description: 'The subscription id.', schema: { type: 'string', format: 'uuid', example: '01a20149-7354-70d1-94a1-d52bc3b0c889' } });
const NO_SUBSCRIPTION = ApiErrors({ 404: ['No subscription with this id.', 'webhook subscription 01a20149-7354-70d1-94a1-d52bc3b0c889 not found'] });

/** Webhook subscriptions and their delivery log: an operator's tool, so `admin` only (the default scope). */
@ApiTags('webhooks')
@Controller('v1/webhooks')
@RequireScope('admin')
export class WebhooksController {
  constructor(private readonly webhooks: WebhookSubscriptionService) {}

  @Post()
  @HttpCode(201)
  @ApiOperation({
    operationId: 'createWebhook',
    summary: 'Subscribe a URL to events',
    description:
      'The answer holds the signing secret (`secret`): it is shown this once. Events are POSTed signed with it (`LineTrust-Signature`, see docs/webhooks.md). Other instances of a fleet route to the new subscription within `WEBHOOK_REFRESH_MS`.',
  })
  @ApiCreatedResponse({ type: NewWebhookSubscriptionResponse, description: 'The subscription, with its secret.' })
  create(@Body() body: CreateWebhookDto, @CurrentPrincipal() caller: Principal): Promise<SubscriptionView & { secret: string }> {
    return this.webhooks.create(body, caller.keyId);
  }

  @Get()
  @ApiOperation({ operationId: 'listWebhooks', summary: 'List the webhook subscriptions', description: 'Every subscription, disabled ones included; never a secret.' })
  @ApiOkResponse({ type: WebhookSubscriptionListResponse, description: 'The subscriptions.' })
  async list(): Promise<{ items: SubscriptionView[] }> {
    return { items: await this.webhooks.list() };
  }

  @Get(':id')
  @ApiOperation({ operationId: 'getWebhook', summary: 'Read a webhook subscription', description: 'Whether it is enabled, and why it was disabled if it was; never its secret.' })
  @SUBSCRIPTION_ID
  @ApiOkResponse({ type: WebhookSubscriptionResponse, description: 'The subscription.' })
  @NO_SUBSCRIPTION
  get(@Param('id') id: string): Promise<SubscriptionView> {
    return this.webhooks.get(id);
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({ operationId: 'deleteWebhook', summary: 'Delete a webhook subscription', description: 'Its pending deliveries are not sent, and its delivery log is deleted with it.' })
  @SUBSCRIPTION_ID
  @ApiNoContentResponse({ description: 'Deleted.' })
  @NO_SUBSCRIPTION
  delete(@Param('id') id: string): Promise<void> {
    return this.webhooks.delete(id);
  }

  @Post(':id/enable')
  @HttpCode(200)
  @ApiOperation({
    operationId: 'enableWebhook',
    summary: 'Enable a disabled webhook subscription',
    description: 'After it was disabled for failing (`WEBHOOK_DISABLE_AFTER` failed deliveries in a row): its failures are forgotten, and the deliveries held while it was disabled are sent.',
  })
  @SUBSCRIPTION_ID
  @ApiOkResponse({ type: WebhookSubscriptionResponse, description: 'The subscription, enabled.' })
  @NO_SUBSCRIPTION
  enable(@Param('id') id: string, @Body() _body: EmptyBodyDto): Promise<SubscriptionView> {
    return this.webhooks.enable(id);
  }

  @Get(':id/deliveries')
  @ApiOperation({
    operationId: 'listWebhookDeliveries',
    summary: "A subscription's delivery log",
    description: 'Its deliveries, newest first, each with every send (status code, error, duration). To get the next page, pass `nextCursor` back as `cursor`.',
  })
  @SUBSCRIPTION_ID
  @ApiOkResponse({ type: WebhookDeliveryListResponse, description: 'A page of deliveries.' })
  @NO_SUBSCRIPTION
  deliveries(@Param('id') id: string, @Query() query: ListDeliveriesQuery): Promise<{ items: DeliveryView[]; nextCursor: string | null }> {
    return this.webhooks.deliveryLog(id, query.limit, query.cursor);
  }

  @Post('deliveries/:deliveryId/replay')
  @HttpCode(202)
  @ApiOperation({
    operationId: 'replayWebhookDelivery',
    summary: 'Send a delivered or failed event again',
    description:
      'Makes a new delivery of the same event (same `LineTrust-Event-Id` and body, a new `LineTrust-Delivery-Id`), sent at once unless its subscription is disabled. The original keeps its own log.',
  })
  @ApiParam({ name: 'deliveryId', description: 'The delivery to send again.', schema: { type: 'string', format: 'uuid', example: '01a20149-7354-70d1-94a1-d52bc3b0c889' } })
  @ApiAcceptedResponse({ type: WebhookDeliveryResponse, description: 'The new delivery, pending.' })
  @ApiErrors({
    404: ['No delivery with this id (or its subscription was deleted).', 'webhook delivery 01a20149-7354-70d1-94a1-d52bc3b0c889 not found'],
    409: ['The delivery is still pending: it is going to be sent anyway.', 'webhook delivery 01a20149-7354-70d1-94a1-d52bc3b0c889 is still pending (next try at 2026-11-22T03:25:20.596Z): it will be sent without a replay'],
  })
  replay(@Param('deliveryId') deliveryId: string, @Body() _body: EmptyBodyDto): Promise<DeliveryView> {
    return this.webhooks.replay(deliveryId);
  }
}
