import { Injectable } from '@nestjs/common';
import { DeliveryRow, WebhookEvent, WebhookRouter } from './webhook-outbox';

/** Routes events to the enabled subscriptions (kept in memory, refreshed from the database). */
@Injectable()
export class SubscriptionWebhookRouter extends WebhookRouter {
  // Subscriptions are not loaded yet: the webhooks work (issue 14, item 2) fills this in.
  deliveriesFor(_event: WebhookEvent): DeliveryRow[] {
    return [];
  }
}
