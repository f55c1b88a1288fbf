import { Inject, Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { Clock } from '../common/time/clock';
import { AppConfig } from '../config/app-config';
import { WebhookMetrics } from '../metrics/webhook.metrics';
import { givesUp, retryDelayMs, RetrySchedule } from './retry-schedule';
import { SubscriptionWebhookRouter } from './subscription-webhook-router';
import { ClaimedDelivery, DeliveryOutcome, WebhookDeliveryRepository } from './webhook-delivery.repository';
import { WebhookSender } from './webhook-sender';
import { DELIVERY_ID_HEADER, EVENT_ID_HEADER, SIGNATURE_HEADER, signatureHeader } from './webhook-signature';

/** Randomness for the backoff's jitter, in [0, 1): injected so tests choose it. */
export const WEBHOOK_RANDOM = Symbol('WEBHOOK_RANDOM');

/**
 * Beyond the send's own timeout, how long a claimed delivery stays this instance's: time to
 * record the outcome. An instance that dies holding deliveries delays them by this much at most
 * before another one (or itself, restarted) takes them over.
 */
const LEASE_MARGIN_MS = 30_000;

/**
 * Sends the outbox: every WEBHOOK_POLL_MS it claims the due deliveries (fleet-safe, see
 * claimDue), signs and sends them, logs each attempt, and retries with backoff until a 2xx or
 * the last attempt. Delivery is at least once: a crash between a receiver's 2xx and the record
 * of it sends the delivery again after the lease, with the same event id, by which receivers
 * drop what they have already handled.
 */
@Injectable()
export class WebhookDispatcher implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(WebhookDispatcher.name);
  private timer?: NodeJS.Timeout;
  private stopped = false;
  /** Passes run one after another: a pass asked for while one runs comes after it. */
  private passes: Promise<void> = Promise.resolve();

  constructor(
    private readonly deliveries: WebhookDeliveryRepository,
    private readonly sender: WebhookSender,
    private readonly router: SubscriptionWebhookRouter,
    private readonly config: AppConfig,
    private readonly clock: Clock,
    private readonly metrics: WebhookMetrics,
    @Inject(WEBHOOK_RANDOM) private readonly random: () => number,
  ) {}

  onApplicationBootstrap(): void {
    if (this.config.WEBHOOK_DELIVERY === 'off') return;
    this.schedule(0);
  }

  /** Stops polling and waits for the pass in progress (its sends are bounded by WEBHOOK_TIMEOUT_MS), before the database closes. */
  async onModuleDestroy(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.passes;
  }

  /**
   * Sends what is due now, after the pass in progress if there is one; resolves when done.
   * Called by the poll, after a replay or a re-enable (so they go out at once), and by tests,
   * which thereby know that everything due has been sent and recorded. Never rejects.
   */
  runOnce(): Promise<void> {
    this.passes = this.passes.then(() => this.pass());
    return this.passes;
  }

  /** Asks for a pass soon, when this instance delivers at all (WEBHOOK_DELIVERY=on). */
  wake(): void {
    if (this.config.WEBHOOK_DELIVERY === 'on' && !this.stopped) void this.runOnce();
  }

  private schedule(delayMs: number): void {
    this.timer = setTimeout(() => {
      void this.runOnce().then(() => {
        if (!this.stopped) this.schedule(this.config.WEBHOOK_POLL_MS);
      });
    }, delayMs);
    // The poll alone must not keep a process alive (a test, a tool that built the app).
    this.timer.unref();
  }

  private get retrySchedule(): RetrySchedule {
    return { baseMs: this.config.WEBHOOK_BACKOFF_BASE_MS, capMs: this.config.WEBHOOK_BACKOFF_CAP_MS, maxAttempts: this.config.WEBHOOK_MAX_ATTEMPTS };
  }

  private async pass(): Promise<void> {
    const batch = this.config.WEBHOOK_BATCH_SIZE;
    try {
      while (!this.stopped) {
        const now = this.clock.now();
        const lease = new Date(now.getTime() + this.config.WEBHOOK_TIMEOUT_MS + LEASE_MARGIN_MS);
        const claimed = await this.deliveries.claimDue(now, lease, batch);
        const sent = await Promise.allSettled(claimed.map((delivery) => this.deliver(delivery)));
        for (const failure of sent.filter((result) => result.status === 'rejected')) {
          // Its row stays claimed until the lease ends, then is sent again.
          this.logger.error(`webhook delivery not recorded: ${(failure.reason as Error).message}`, (failure.reason as Error).stack);
        }
        if (claimed.length < batch) return;
      }
    } catch (error) {
      // The rows stay pending (or claimed until their lease ends): the next pass takes them.
      this.logger.error(`webhook delivery pass failed: ${(error as Error).message}`, (error as Error).stack);
    }
  }

  private async deliver({ delivery, subscription }: ClaimedDelivery): Promise<void> {
    if (!subscription) {
      await this.deliveries.deleteOrphan(delivery.id);
      return;
    }
    const signedAt = this.clock.now();
    const result = await this.sender.send({
      url: subscription.url,
      body: delivery.payload,
      headers: {
        'content-type': 'application/json',
        'user-agent': 'LineTrust-Webhooks/1',
        [SIGNATURE_HEADER]: signatureHeader(subscription.secret, delivery.payload, signedAt),
        [EVENT_ID_HEADER]: delivery.eventId,
        [DELIVERY_ID_HEADER]: delivery.id,
      },
      timeoutMs: this.config.WEBHOOK_TIMEOUT_MS,
      allowPrivateNetworks: this.config.WEBHOOK_ALLOW_PRIVATE_NETWORKS,
    });
    const at = this.clock.now();
    const attempts = delivery.attempts + 1;
    const outcome: DeliveryOutcome =
      result.error === null
        ? { status: 'delivered' }
        : givesUp(attempts, this.retrySchedule)
          ? { status: 'failed' }
          : { status: 'pending', nextAttemptAt: new Date(at.getTime() + retryDelayMs(attempts, this.retrySchedule, this.random)) };
    const disableAfter = this.config.WEBHOOK_DISABLE_AFTER;
    const { disabled } = await this.deliveries.recordAttempt(
      { delivery, at, statusCode: result.statusCode, error: result.error, durationMs: result.durationMs, outcome },
      { after: disableAfter, reason: `${disableAfter} deliveries in a row failed after ${this.config.WEBHOOK_MAX_ATTEMPTS} attempts each; the last: ${result.error}` },
    );
    this.count(outcome, delivery.id, subscription.id, result.error);
    if (disabled) {
      this.logger.warn(`webhook subscription ${subscription.id} disabled after ${disableAfter} failed deliveries in a row; POST /v1/webhooks/${subscription.id}/enable to resume`);
      await this.router.refresh();
    }
  }

  private count(outcome: DeliveryOutcome, deliveryId: string, subscriptionId: string, error: string | null): void {
    switch (outcome.status) {
      case 'delivered':
        this.metrics.delivered();
        return;
      case 'pending':
        this.metrics.retried();
        this.logger.debug(`webhook delivery ${deliveryId} to ${subscriptionId} failed (${error}); next try at ${outcome.nextAttemptAt.toISOString()}`);
        return;
      case 'failed':
        this.metrics.failed();
        this.logger.warn(`webhook delivery ${deliveryId} to ${subscriptionId} failed after ${this.config.WEBHOOK_MAX_ATTEMPTS} attempts (${error})`);
        return;
    }
  }
}
