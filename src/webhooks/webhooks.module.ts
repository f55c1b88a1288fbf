import { Module } from '@nestjs/common';
import { MetricsService } from '../metrics/metrics.service';
import { WebhookMetrics } from '../metrics/webhook.metrics';
import { PoliciesModule } from '../policies/policies.module';
import { SubscriptionWebhookRouter } from './subscription-webhook-router';
import { WebhookDeliveryRepository } from './webhook-delivery.repository';
import { WEBHOOK_RANDOM, WebhookDispatcher } from './webhook-dispatcher';
import { WebhookRouter } from './webhook-outbox';
import { WebhookSender } from './webhook-sender';
import { WebhookSubscriptionRepository } from './webhook-subscription.repository';
import { WebhookSubscriptionService } from './webhook-subscription.service';
import { WebhooksController } from './webhooks.controller';

/**
 * Signed webhooks: subscriptions, the router that fans events out to outbox rows (written by
 * the producers in their own transactions), and the dispatcher that sends the outbox.
 */
@Module({
  imports: [PoliciesModule],
  controllers: [WebhooksController],
  providers: [
    SubscriptionWebhookRouter,
    // One router: the producers' WebhookRouter is the instance the API refreshes.
    { provide: WebhookRouter, useExisting: SubscriptionWebhookRouter },
    WebhookSubscriptionRepository,
    WebhookDeliveryRepository,
    WebhookSubscriptionService,
    WebhookSender,
    WebhookDispatcher,
    { provide: WEBHOOK_RANDOM, useValue: Math.random },
    {
      provide: WebhookMetrics,
      inject: [MetricsService, WebhookDeliveryRepository],
      useFactory: (metrics: MetricsService, deliveries: WebhookDeliveryRepository) => new WebhookMetrics(metrics.registry, () => deliveries.countPending()),
    },
  ],
  exports: [WebhookRouter],
})
export class WebhooksModule {}
