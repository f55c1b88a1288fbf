import { Injectable } from '@nestjs/common';
import { ConflictError, InvalidArgumentError, NotFoundError } from '../common/errors/domain.error';
import { UUID_PATTERN, uuidv7 } from '../common/ids/uuid7';
import { Clock } from '../common/time/clock';
import { AppConfig } from '../config/app-config';
import { PolicyRegistry } from '../policies/policy.registry';
import { SubscriptionWebhookRouter } from './subscription-webhook-router';
import { toDeliveryView, toSubscriptionView, DeliveryView, SubscriptionView } from './webhook.types';
import { WebhookDeliveryRepository } from './webhook-delivery.repository';
import { WebhookDispatcher } from './webhook-dispatcher';
import { WebhookEventType } from './webhook-outbox';
import { generateSigningSecret } from './webhook-signature';
import { SubscriptionRecord, WebhookSubscriptionRepository } from './webhook-subscription.repository';
import { urlProblem } from './webhook-url';

export interface NewSubscription {
  url: string;
  events: WebhookEventType[];
  useCases?: string[];
  outcomes?: string[];
}

const notFound = (id: string) => new NotFoundError(UUID_PATTERN.test(id) ? `webhook subscription ${id} not found` : 'webhook subscription not found');

/** Subscriptions and their delivery log, for the API. */
@Injectable()
export class WebhookSubscriptionService {
  constructor(
    private readonly subscriptions: WebhookSubscriptionRepository,
    private readonly deliveries: WebhookDeliveryRepository,
    private readonly router: SubscriptionWebhookRouter,
    private readonly dispatcher: WebhookDispatcher,
    private readonly policies: PolicyRegistry,
    private readonly config: AppConfig,
    private readonly clock: Clock,
  ) {}

  /** Creates a subscription; the answer holds its signing secret, shown this once. */
  async create(request: NewSubscription, createdBy: string): Promise<SubscriptionView & { secret: string }> {
    const url = urlProblem(request.url, { allowHttp: this.config.WEBHOOK_ALLOW_HTTP, allowPrivateNetworks: this.config.WEBHOOK_ALLOW_PRIVATE_NETWORKS });
    if ('problem' in url) throw new InvalidArgumentError(url.problem);
    if (request.useCases) {
      // A subscription to a use case without a policy would never hear of it: a typo, refused now.
      const known = new Set(this.policies.list().map((policy) => policy.id));
      const unknown = request.useCases.filter((id) => !known.has(id));
      if (unknown.length > 0) throw new InvalidArgumentError(`useCases: no policy for ${unknown.join(', ')} (known: ${[...known].sort().join(', ')})`);
    }
    const record: SubscriptionRecord = {
      id: uuidv7(),
      url: url.normalized,
      secret: generateSigningSecret(),
      events: request.events,
      useCases: request.useCases ?? null,
      outcomes: request.outcomes ?? null,
      enabled: true,
      disabledAt: null,
      disabledReason: null,
      consecutiveFailures: 0,
      createdAt: this.clock.now(),
      createdBy,
    };
    await this.subscriptions.insert(record);
    // Routed from the next decision on this instance; the others read it within WEBHOOK_REFRESH_MS.
    await this.router.refresh();
    return { ...toSubscriptionView(record), secret: record.secret };
  }

  async list(): Promise<SubscriptionView[]> {
    return (await this.subscriptions.list()).map(toSubscriptionView);
  }

  async get(id: string): Promise<SubscriptionView> {
    return toSubscriptionView(await this.find(id));
  }

  /** Deletes it, with its pending deliveries and its log. */
  async delete(id: string): Promise<void> {
    if (!UUID_PATTERN.test(id) || !(await this.subscriptions.delete(id))) throw notFound(id);
    await this.router.refresh();
  }

  /** Enabled again (after it was disabled for failing), its failures forgotten; its held deliveries go out now. */
  async enable(id: string): Promise<SubscriptionView> {
    const record = UUID_PATTERN.test(id) ? await this.subscriptions.enable(id) : undefined;
    if (!record) throw notFound(id);
    await this.router.refresh();
    this.dispatcher.wake();
    return toSubscriptionView(record);
  }

  /** Its deliveries, newest first, each with the log of its attempts. */
  async deliveryLog(id: string, limit: number, cursor?: string): Promise<{ items: DeliveryView[]; nextCursor: string | null }> {
    await this.find(id);
    const page = await this.deliveries.listForSubscription(id, limit, cursor);
    const items = page.map(({ delivery, attempts }) => toDeliveryView(delivery, attempts));
    return { items, nextCursor: items.length === limit ? items[items.length - 1].id : null };
  }

  /**
   * Sends a delivery's event again, as a new delivery of the same event (same event id and
   * body, its own delivery id and attempts): the original's log stays as it happened, and a
   * delivered or failed row never becomes pending again under a sender that may still hold it.
   * A pending delivery is refused: it is going to be sent anyway.
   */
  async replay(deliveryId: string): Promise<DeliveryView> {
    const original = UUID_PATTERN.test(deliveryId) ? await this.deliveries.findById(deliveryId) : undefined;
    if (!original) throw new NotFoundError(UUID_PATTERN.test(deliveryId) ? `webhook delivery ${deliveryId} not found` : 'webhook delivery not found');
    if (original.status === 'pending') throw new ConflictError(`webhook delivery ${deliveryId} is still pending (next try at ${original.nextAttemptAt.toISOString()}): it will be sent without a replay`);
    const now = this.clock.now();
    const replay = {
      ...original,
      id: uuidv7(now.getTime()),
      createdAt: now,
      status: 'pending',
      attempts: 0,
      nextAttemptAt: now,
      lockedUntil: null,
      deliveredAt: null,
      lastStatusCode: null,
      lastError: null,
    };
    await this.deliveries.insert(replay);
    this.dispatcher.wake();
    return toDeliveryView(replay, []);
  }

  private async find(id: string): Promise<SubscriptionRecord> {
    const record = UUID_PATTERN.test(id) ? await this.subscriptions.findById(id) : undefined;
    if (!record) throw notFound(id);
    return record;
  }
}
