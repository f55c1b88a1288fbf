import { Injectable } from '@nestjs/common';
import { uuidv7 } from '../common/ids/uuid7';
import type { WebhookAttempt } from '../prisma/generated/sqlite/client';
import { PrismaService } from '../prisma/prisma.service';
import { DeliveryRow } from './webhook-outbox';

export type AttemptRow = WebhookAttempt;

/** A delivery this instance holds until its lease ends, with where and how to send it. */
export interface ClaimedDelivery {
  delivery: DeliveryRow;
  /** undefined when the subscription was deleted after the delivery was written */
  subscription?: { id: string; url: string; secret: string };
}

/** What one send makes of its delivery. */
export type DeliveryOutcome = { status: 'delivered' } | { status: 'pending'; nextAttemptAt: Date } | { status: 'failed' };

export interface AttemptRecord {
  delivery: DeliveryRow;
  at: Date;
  statusCode: number | null;
  error: string | null;
  durationMs: number;
  outcome: DeliveryOutcome;
}

/** When a subscription is disabled: after `after` failed deliveries in a row, saying `reason`. */
export interface DisablePolicy {
  after: number;
  reason: string;
}

/** The only code that reads and writes the outbox (WebhookDelivery) and its log (WebhookAttempt). */
@Injectable()
export class WebhookDeliveryRepository {
  constructor(private readonly prisma: PrismaService) {}

  /**
   * Takes up to `limit` due deliveries for this instance until `leaseUntil`, in one statement:
   * pending, due, not held by another instance (or held past its lease, by one that died), and
   * not of a disabled subscription (held until it is enabled again). On PostgreSQL, SKIP LOCKED
   * lets instances claim side by side, each skipping the rows another is claiming; SQLite has
   * one writer at a time, so the statement alone is enough.
   */
  async claimDue(now: Date, leaseUntil: Date, limit: number): Promise<ClaimedDelivery[]> {
    await this.prisma.ready;
    const client = this.prisma.client;
    const rows =
      this.prisma.target.provider === 'postgres'
        ? await client.$queryRaw<{ id: string }[]>`
          UPDATE "WebhookDelivery" SET "lockedUntil" = ${leaseUntil}
          WHERE "id" IN (
            SELECT d."id" FROM "WebhookDelivery" d
            WHERE d."status" = 'pending' AND d."nextAttemptAt" <= ${now} AND (d."lockedUntil" IS NULL OR d."lockedUntil" <= ${now})
              AND NOT EXISTS (SELECT 1 FROM "WebhookSubscription" s WHERE s."id" = d."subscriptionId" AND s."enabled" = false)
            ORDER BY d."nextAttemptAt", d."id" LIMIT ${limit}
            FOR UPDATE OF d SKIP LOCKED)
          RETURNING "id"`
        : await client.$queryRaw<{ id: string }[]>`
          UPDATE "WebhookDelivery" SET "lockedUntil" = ${leaseUntil}
          WHERE "id" IN (
            SELECT d."id" FROM "WebhookDelivery" d
            WHERE d."status" = 'pending' AND d."nextAttemptAt" <= ${now} AND (d."lockedUntil" IS NULL OR d."lockedUntil" <= ${now})
              AND NOT EXISTS (SELECT 1 FROM "WebhookSubscription" s WHERE s."id" = d."subscriptionId" AND s."enabled" = 0)
            ORDER BY d."nextAttemptAt", d."id" LIMIT ${limit})
          RETURNING "id"`;
    if (rows.length === 0) return [];
    const ids = rows.map((row) => row.id);
    const deliveries = await client.webhookDelivery.findMany({ where: { id: { in: ids } }, orderBy: [{ nextAttemptAt: 'asc' }, { id: 'asc' }] });
    const subscriptions = await client.webhookSubscription.findMany({
      where: { id: { in: [...new Set(deliveries.map((delivery) => delivery.subscriptionId))] } },
      select: { id: true, url: true, secret: true },
    });
    const byId = new Map(subscriptions.map((subscription) => [subscription.id, subscription]));
    return deliveries.map((delivery) => ({ delivery, subscription: byId.get(delivery.subscriptionId) }));
  }

  /**
   * Logs a send and applies its outcome, in one transaction: the delivery's new state, and its
   * subscription's run of failures (reset by a delivery that succeeds, counted up by one that
   * gives up, the subscription disabled when it reaches `disable.after`). Answers whether this
   * attempt disabled the subscription.
   */
  async recordAttempt(attempt: AttemptRecord, disable: DisablePolicy): Promise<{ disabled: boolean }> {
    await this.prisma.ready;
    const client = this.prisma.client;
    const { delivery, outcome, at } = attempt;
    const subscription = client.webhookSubscription;
    const onSubscription =
      outcome.status === 'delivered'
        ? [subscription.updateMany({ where: { id: delivery.subscriptionId, consecutiveFailures: { gt: 0 } }, data: { consecutiveFailures: 0 } })]
        : outcome.status === 'failed'
          ? [
              subscription.updateMany({ where: { id: delivery.subscriptionId }, data: { consecutiveFailures: { increment: 1 } } }),
              subscription.updateMany({
                where: { id: delivery.subscriptionId, enabled: true, consecutiveFailures: { gte: disable.after } },
                data: { enabled: false, disabledAt: at, disabledReason: disable.reason },
              }),
            ]
          : [];
    const results = await client.$transaction([
      client.webhookAttempt.create({
        data: { id: uuidv7(at.getTime()), deliveryId: delivery.id, at, statusCode: attempt.statusCode, error: attempt.error, durationMs: attempt.durationMs },
      }),
      client.webhookDelivery.updateMany({
        where: { id: delivery.id, status: 'pending' },
        data: {
          status: outcome.status,
          attempts: delivery.attempts + 1,
          nextAttemptAt: outcome.status === 'pending' ? outcome.nextAttemptAt : delivery.nextAttemptAt,
          lockedUntil: null,
          deliveredAt: outcome.status === 'delivered' ? at : null,
          lastStatusCode: attempt.statusCode,
          lastError: attempt.error,
        },
      }),
      ...onSubscription,
    ]);
    const disabled = outcome.status === 'failed' && (results[3] as { count: number }).count === 1;
    return { disabled };
  }

  /** A delivery of a subscription deleted after it was written: nobody can send or read it. */
  async deleteOrphan(id: string): Promise<void> {
    await this.prisma.ready;
    const client = this.prisma.client;
    await client.$transaction([client.webhookAttempt.deleteMany({ where: { deliveryId: id } }), client.webhookDelivery.deleteMany({ where: { id } })]);
  }

  async findById(id: string): Promise<DeliveryRow | undefined> {
    await this.prisma.ready;
    return (await this.prisma.client.webhookDelivery.findUnique({ where: { id } })) ?? undefined;
  }

  async insert(row: DeliveryRow): Promise<void> {
    await this.prisma.ready;
    await this.prisma.client.webhookDelivery.create({ data: row });
  }

  /** A subscription's deliveries, newest first (ids are UUIDv7), before the id `before` if given, each with its attempts in order. */
  async listForSubscription(subscriptionId: string, limit: number, before?: string): Promise<{ delivery: DeliveryRow; attempts: AttemptRow[] }[]> {
    await this.prisma.ready;
    const client = this.prisma.client;
    const deliveries = await client.webhookDelivery.findMany({
      where: { subscriptionId, ...(before ? { id: { lt: before } } : {}) },
      orderBy: { id: 'desc' },
      take: limit,
    });
    const attempts = await client.webhookAttempt.findMany({ where: { deliveryId: { in: deliveries.map((delivery) => delivery.id) } }, orderBy: { id: 'asc' } });
    return deliveries.map((delivery) => ({ delivery, attempts: attempts.filter((attempt) => attempt.deliveryId === delivery.id) }));
  }

  /** Deliveries still to be sent (held ones of disabled subscriptions included): the pending gauge. */
  async countPending(): Promise<number> {
    await this.prisma.ready;
    return this.prisma.client.webhookDelivery.count({ where: { status: 'pending' } });
  }
}
