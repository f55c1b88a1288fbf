import { ApiProperty, ApiSchema } from '@nestjs/swagger';
import { ACTIONS } from '../../scoring/actions';
import { AttemptView, DeliveryView, SubscriptionView } from '../webhook.types';
import { WEBHOOK_EVENT_TYPES, WebhookEventType } from '../webhook-outbox';

// Response classes for the API document; each implements the type the service returns.

const UUID = '01a20149-7354-70d1-94a1-d52bc3b0c889';
const AT = '2026-11-22T03:25:20.596Z';

@ApiSchema({ name: 'WebhookSubscription', description: 'A webhook subscription, without its signing secret (shown only when it is created).' })
export class WebhookSubscriptionResponse implements SubscriptionView {
  @ApiProperty({ format: 'uuid', example: UUID })
  id!: string;

  @ApiProperty({ description: 'Where events are POSTed.', example: 'https://fraud-ops.example.com/hooks/linetrust' })
  url!: string;

  @ApiProperty({ enum: WEBHOOK_EVENT_TYPES, enumName: 'WebhookEventType', isArray: true, example: ['decision.created'] })
  events!: WebhookEventType[];

  @ApiProperty({ description: 'Only these use cases; `null` for all.', type: [String], nullable: true, example: null })
  useCases!: string[] | null;

  @ApiProperty({ description: 'Only these outcomes; `null` for all.', enum: ACTIONS, enumName: 'Action', isArray: true, nullable: true, example: ['REVIEW', 'BLOCK'] })
  outcomes!: string[] | null;

  @ApiProperty({ description: 'Whether events are routed and sent to it; `false` once disabled for failing.', example: true })
  enabled!: boolean;

  @ApiProperty({ description: 'When it was disabled; `null` while enabled.', type: 'string', format: 'date-time', nullable: true, example: null })
  disabledAt!: string | null;

  @ApiProperty({ description: 'Why it was disabled; `null` while enabled.', type: 'string', nullable: true, example: null })
  disabledReason!: string | null;

  @ApiProperty({ description: 'Deliveries that failed (after their last attempt) in a row since the last that succeeded.', type: 'integer', minimum: 0, example: 0 })
  consecutiveFailures!: number;

  @ApiProperty({ format: 'date-time', example: AT })
  createdAt!: string;

  @ApiProperty({ description: 'The id of the API key that created it.', type: 'string', nullable: true, example: '0123456789abcdef' })
  createdBy!: string | null;
}

@ApiSchema({ name: 'NewWebhookSubscription', description: 'A subscription just created, with its signing secret: shown this once.' })
export class NewWebhookSubscriptionResponse extends WebhookSubscriptionResponse {
  @ApiProperty({ description: 'The HMAC-SHA256 key of `LineTrust-Signature` (see docs/webhooks.md). Shown this once: keep it in your receiver.', pattern: '^whsec_[A-Za-z0-9_-]{43}$', example: `whsec_${'A'.repeat(43)}` })
  secret!: string;
}

@ApiSchema({ name: 'WebhookSubscriptionList', description: 'Every subscription, oldest first.' })
export class WebhookSubscriptionListResponse {
  @ApiProperty({ type: [WebhookSubscriptionResponse] })
  items!: WebhookSubscriptionResponse[];
}

@ApiSchema({ name: 'WebhookAttempt', description: 'One send of a delivery.' })
export class WebhookAttemptResponse implements AttemptView {
  @ApiProperty({ format: 'date-time', example: AT })
  at!: string;

  @ApiProperty({ description: "The receiver's HTTP status; `null` when there was none (refused, unreachable, timed out).", type: 'integer', nullable: true, example: 503 })
  statusCode!: number | null;

  @ApiProperty({ description: 'Why the send failed; `null` for a 2xx.', type: 'string', nullable: true, example: 'HTTP 503' })
  error!: string | null;

  @ApiProperty({ type: 'integer', minimum: 0, example: 42 })
  durationMs!: number;
}

@ApiSchema({ name: 'WebhookDelivery', description: 'One event for one subscription, with the log of its sends.' })
export class WebhookDeliveryResponse implements DeliveryView {
  @ApiProperty({ description: 'Sent as `LineTrust-Delivery-Id`.', format: 'uuid', example: UUID })
  id!: string;

  @ApiProperty({ format: 'uuid', example: UUID })
  subscriptionId!: string;

  @ApiProperty({ description: "The event's id, sent as `LineTrust-Event-Id`: the same in a replay, so receivers drop what they already handled.", format: 'uuid', example: UUID })
  eventId!: string;

  @ApiProperty({ enum: WEBHOOK_EVENT_TYPES, enumName: 'WebhookEventType', example: 'decision.created' })
  type!: string;

  @ApiProperty({ description: '`pending` (to be sent), `delivered` (a 2xx answer) or `failed` (no 2xx after the last attempt).', enum: ['pending', 'delivered', 'failed'], example: 'delivered' })
  status!: 'pending' | 'delivered' | 'failed';

  @ApiProperty({ description: 'Sends so far.', type: 'integer', minimum: 0, example: 1 })
  attempts!: number;

  @ApiProperty({ format: 'date-time', example: AT })
  createdAt!: string;

  @ApiProperty({ description: 'When it is sent next; `null` unless pending.', type: 'string', format: 'date-time', nullable: true, example: null })
  nextAttemptAt!: string | null;

  @ApiProperty({ type: 'string', format: 'date-time', nullable: true, example: AT })
  deliveredAt!: string | null;

  @ApiProperty({ type: 'integer', nullable: true, example: 200 })
  lastStatusCode!: number | null;

  @ApiProperty({ type: 'string', nullable: true, example: null })
  lastError!: string | null;

  @ApiProperty({ type: [WebhookAttemptResponse], description: 'Every send, oldest first.' })
  attemptLog!: WebhookAttemptResponse[];
}

@ApiSchema({ name: 'WebhookDeliveryList', description: "A page of a subscription's deliveries, newest first." })
export class WebhookDeliveryListResponse {
  @ApiProperty({ type: [WebhookDeliveryResponse] })
  items!: WebhookDeliveryResponse[];

  @ApiProperty({ description: 'Pass it as `cursor` for the next page; `null` on the last.', type: 'string', format: 'uuid', nullable: true, example: null })
  nextCursor!: string | null;
}
