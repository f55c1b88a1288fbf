import { Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { uuidv7 } from '../common/ids/uuid7';
import { Clock } from '../common/time/clock';
import { AppConfig } from '../config/app-config';
import { DeliveryRow, eventBody, WebhookEvent, WebhookRouter } from './webhook-outbox';
import { SubscriptionRecord, WebhookSubscriptionRepository } from './webhook-subscription.repository';

/** What routing needs of a subscription. */
export type RoutedSubscription = Pick<SubscriptionRecord, 'id' | 'events' | 'useCases' | 'outcomes'>;

/** Whether a subscription wants an event: its type, and its use case and outcome (null lists match all). */
export function wants(subscription: RoutedSubscription, event: Pick<WebhookEvent, 'type' | 'useCase' | 'outcome'>): boolean {
  return (
    subscription.events.includes(event.type) &&
    (subscription.useCases === null || subscription.useCases.includes(event.useCase)) &&
    (subscription.outcomes === null || subscription.outcomes.includes(event.outcome))
  );
}

/**
 * Routes events to the enabled subscriptions, from memory: the decision path must not query
 * the subscriptions per decision. The list is read at start, after every change made through
 * this instance's API, and every WEBHOOK_REFRESH_MS, which is how long a change made on another
 * instance of the fleet (or a subscription disabled there) takes to reach this one.
 */
@Injectable()
export class SubscriptionWebhookRouter extends WebhookRouter implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(SubscriptionWebhookRouter.name);
  private subscriptions: readonly RoutedSubscription[] = [];
  private timer?: NodeJS.Timeout;
  /** Reads started, and the latest one applied: a slow read never overwrites a newer one. */
  private started = 0;
  private applied = 0;

  constructor(
    private readonly repository: WebhookSubscriptionRepository,
    private readonly config: AppConfig,
    private readonly clock: Clock,
  ) {
    super();
  }

  /** Loaded before the service takes requests; a failure here stops start-up, as the database's own would. */
  async onApplicationBootstrap(): Promise<void> {
    await this.load();
    this.timer = setInterval(() => void this.refresh(), this.config.WEBHOOK_REFRESH_MS);
    this.timer.unref();
  }

  onModuleDestroy(): void {
    clearInterval(this.timer);
  }

  /** Reads the enabled subscriptions again; a failure keeps the list it had (logged, retried at the next tick). */
  async refresh(): Promise<void> {
    try {
      await this.load();
    } catch (error) {
      this.logger.warn(`webhook subscriptions not refreshed (${(error as Error).message}); routing to the ${this.subscriptions.length} known`);
    }
  }

  wanted(event: Pick<WebhookEvent, 'type' | 'useCase' | 'outcome'>): boolean {
    return this.subscriptions.some((subscription) => wants(subscription, event));
  }

  deliveriesFor(event: WebhookEvent): DeliveryRow[] {
    const targets = this.subscriptions.filter((subscription) => wants(subscription, event));
    if (targets.length === 0) return [];
    const payload = eventBody(event);
    const now = this.clock.now();
    return targets.map((subscription) => ({
      id: uuidv7(now.getTime()),
      subscriptionId: subscription.id,
      eventId: event.id,
      type: event.type,
      payload,
      createdAt: now,
      status: 'pending',
      attempts: 0,
      nextAttemptAt: now,
      lockedUntil: null,
      deliveredAt: null,
      lastStatusCode: null,
      lastError: null,
    }));
  }

  private async load(): Promise<void> {
    const read = ++this.started;
    const rows = await this.repository.listEnabled();
    if (read < this.applied) return;
    this.applied = read;
    this.subscriptions = rows.map(({ id, events, useCases, outcomes }) => ({ id, events, useCases, outcomes }));
  }
}
