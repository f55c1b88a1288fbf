import { Module } from '@nestjs/common';
import { SubscriptionWebhookRouter } from './subscription-webhook-router';
import { WebhookRouter } from './webhook-outbox';

@Module({
  providers: [{ provide: WebhookRouter, useClass: SubscriptionWebhookRouter }],
  exports: [WebhookRouter],
})
export class WebhooksModule {}
