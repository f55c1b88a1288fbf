import { Injectable } from '@nestjs/common';
import type { WebhookSubscription } from '../prisma/generated/sqlite/client';
import { PrismaService } from '../prisma/prisma.service';
import { WebhookEventType } from './webhook-outbox';

/** A subscription as the application reads it: its JSON lists parsed. */
export interface SubscriptionRecord {
  id: string;
  url: string;
  /** the HMAC-SHA256 signing secret (`whsec_...`) */
  secret: string;
  events: WebhookEventType[];
  /** null: every use case / every outcome */
  useCases: string[] | null;
  outcomes: string[] | null;
  enabled: boolean;
  disabledAt: Date | null;
  disabledReason: string | null;
  consecutiveFailures: number;
  createdAt: Date;
  /** the API key id that created it */
  createdBy: string | null;
}

const list = (json: string | null) => (json === null ? null : (JSON.parse(json) as string[]));

function fromRow(row: WebhookSubscription): SubscriptionRecord {
  return { ...row, events: JSON.parse(row.events) as WebhookEventType[], useCases: list(row.useCases), outcomes: list(row.outcomes) };
}

/** The only code that reads and writes webhook subscriptions. */
@Injectable()
export class WebhookSubscriptionRepository {
  constructor(private readonly prisma: PrismaService) {}

  async insert(record: SubscriptionRecord): Promise<void> {
    await this.prisma.ready;
    const json = (values: string[] | null) => (values === null ? null : JSON.stringify(values));
    await this.prisma.client.webhookSubscription.create({
      data: { ...record, events: JSON.stringify(record.events), useCases: json(record.useCases), outcomes: json(record.outcomes) },
    });
  }

  async findById(id: string): Promise<SubscriptionRecord | undefined> {
    await this.prisma.ready;
    const row = await this.prisma.client.webhookSubscription.findUnique({ where: { id } });
    return row ? fromRow(row) : undefined;
  }

  /** Every subscription, oldest first (ids are UUIDv7). */
  async list(): Promise<SubscriptionRecord[]> {
    await this.prisma.ready;
    return (await this.prisma.client.webhookSubscription.findMany({ orderBy: { id: 'asc' } })).map(fromRow);
  }

  /** The subscriptions events are routed to: a small read, repeated every WEBHOOK_REFRESH_MS. */
  async listEnabled(): Promise<SubscriptionRecord[]> {
    await this.prisma.ready;
    return (await this.prisma.client.webhookSubscription.findMany({ where: { enabled: true }, orderBy: { id: 'asc' } })).map(fromRow);
  }

  /** Enabled again, its failure count reset; undefined when there is no such subscription. */
  async enable(id: string): Promise<SubscriptionRecord | undefined> {
    await this.prisma.ready;
    const { count } = await this.prisma.client.webhookSubscription.updateMany({
      where: { id },
      data: { enabled: true, disabledAt: null, disabledReason: null, consecutiveFailures: 0 },
    });
    return count === 1 ? this.findById(id) : undefined;
  }

  /**
   * Deletes the subscription with its deliveries and their attempts, in one transaction: its
   * log can no longer be read through the API, and its pending deliveries must not be sent.
   * False when there is no such subscription.
   */
  async delete(id: string): Promise<boolean> {
    await this.prisma.ready;
    const client = this.prisma.client;
    const [, , removed] = await client.$transaction([
      client.$executeRaw`DELETE FROM "WebhookAttempt" WHERE "deliveryId" IN (SELECT "id" FROM "WebhookDelivery" WHERE "subscriptionId" = ${id})`,
      client.webhookDelivery.deleteMany({ where: { subscriptionId: id } }),
      client.webhookSubscription.deleteMany({ where: { id } }),
    ]);
    return removed.count === 1;
  }
}
