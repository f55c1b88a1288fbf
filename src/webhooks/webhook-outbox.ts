import type { WebhookDelivery } from '../prisma/generated/sqlite/client';

/** A row of the outbox (the WebhookDelivery table, the Prisma model's type). */
export type DeliveryRow = WebhookDelivery;

/** The columns written with a decision, in a fixed order (the raw writers' statements). */
export const DELIVERY_COLUMNS = [
  'id', 'subscriptionId', 'eventId', 'type', 'payload', 'createdAt', 'status', 'attempts', 'nextAttemptAt',
  'lockedUntil', 'deliveredAt', 'lastStatusCode', 'lastError',
] as const satisfies readonly (keyof DeliveryRow)[];

// Compile-time: every column of the model is listed (an unlisted one makes this `never`).
type Unlisted = Exclude<keyof DeliveryRow, (typeof DELIVERY_COLUMNS)[number]>;
const everyColumnListed: Unlisted extends never ? true : never = true;
void everyColumnListed;

export const WEBHOOK_EVENT_TYPES = ['decision.created', 'case.opened', 'case.claimed', 'case.released', 'case.noted', 'case.resolved'] as const;
export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];

/** One event, before it is fanned out to the subscriptions that want it. */
export interface WebhookEvent {
  /** UUIDv7 of the event, the same in every subscription's delivery */
  id: string;
  type: WebhookEventType;
  occurredAt: Date;
  useCase: string;
  /** the decision's outcome (case events too: the outcome that opened the case) */
  outcome: string;
  /** the event's object: a decision view or a case view, never a phone number in clear */
  data: Record<string, unknown>;
}

/**
 * Who wants an event: the outbox rows to write for it, one per matching, enabled subscription,
 * in the same transaction as what the event reports. It answers from memory (the decision
 * path must not query subscriptions per decision); none when nobody subscribes.
 */
export abstract class WebhookRouter {
  abstract deliveriesFor(event: WebhookEvent): DeliveryRow[];

  /** Whether any subscription wants such an event: asked first, so nobody's event is never built. */
  abstract wanted(event: Pick<WebhookEvent, 'type' | 'useCase' | 'outcome'>): boolean;
}

/** The body sent for an event: what is signed, stored in the outbox row as is. */
export function eventBody(event: WebhookEvent): string {
  return JSON.stringify({ id: event.id, type: event.type, createdAt: event.occurredAt.toISOString(), data: event.data });
}
