import { Counter, Gauge, Registry } from 'prom-client';

/**
 * Webhook delivery metrics, registered in the application's registry by the webhooks module
 * (which owns the outbox the pending gauge counts). Alert on `failed` deliveries and on a
 * pending count that keeps growing: a receiver down, or no instance delivering.
 */
export class WebhookMetrics {
  private readonly deliveries: Counter<'result'>;
  private readonly retries: Counter;

  constructor(registry: Registry, countPending: () => Promise<number>) {
    this.deliveries = new Counter({
      name: 'linetrust_webhook_deliveries_total',
      help: 'Webhook deliveries that ended, by result: delivered (a 2xx answer) or failed (no 2xx after WEBHOOK_MAX_ATTEMPTS sends).',
      labelNames: ['result'] as const,
      registers: [registry],
    });
    for (const result of ['delivered', 'failed']) this.deliveries.inc({ result }, 0);
    this.retries = new Counter({
      name: 'linetrust_webhook_retries_total',
      help: 'Webhook sends that failed with attempts left: the delivery is sent again after a backoff.',
      registers: [registry],
    });
    new Gauge({
      name: 'linetrust_webhook_deliveries_pending',
      help: 'Webhook deliveries waiting in the outbox (those of disabled subscriptions included), fleet-wide: read from the database at each scrape.',
      registers: [registry],
      async collect() {
        try {
          this.set(await countPending());
        } catch {
          // A scrape during a database stall keeps the last value rather than failing /metrics.
        }
      },
    });
  }

  delivered(): void {
    this.deliveries.inc({ result: 'delivered' });
  }

  failed(): void {
    this.deliveries.inc({ result: 'failed' });
  }

  retried(): void {
    this.retries.inc();
  }
}
