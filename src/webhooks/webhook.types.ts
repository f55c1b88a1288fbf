import { AttemptRow } from './webhook-delivery.repository';
import { DeliveryRow, WebhookEventType } from './webhook-outbox';
import { SubscriptionRecord } from './webhook-subscription.repository';

/** A subscription as the API shows it: never its secret, except once, when it is created. */
export interface SubscriptionView {
  id: string;
  url: string;
  events: WebhookEventType[];
  useCases: string[] | null;
  outcomes: string[] | null;
  enabled: boolean;
  disabledAt: string | null;
  disabledReason: string | null;
  consecutiveFailures: number;
  createdAt: string;
  createdBy: string | null;
}

export interface AttemptView {
  at: string;
  statusCode: number | null;
  error: string | null;
  durationMs: number;
}

export interface DeliveryView {
  id: string;
  subscriptionId: string;
  eventId: string;
  type: string;
  status: 'pending' | 'delivered' | 'failed';
  attempts: number;
  createdAt: string;
  /** pending: when it is sent next */
  nextAttemptAt: string | null;
  deliveredAt: string | null;
  lastStatusCode: number | null;
  lastError: string | null;
  attemptLog: AttemptView[];
}

const iso = (date: Date | null) => (date ? date.toISOString() : null);

export function toSubscriptionView(record: SubscriptionRecord): SubscriptionView {
  const { secret: _secret, disabledAt, createdAt, ...rest } = record;
  return { ...rest, disabledAt: iso(disabledAt), createdAt: createdAt.toISOString() };
}

export function toDeliveryView(row: DeliveryRow, attempts: AttemptRow[]): DeliveryView {
  return {
    id: row.id,
    subscriptionId: row.subscriptionId,
    eventId: row.eventId,
    type: row.type,
    status: row.status as DeliveryView['status'],
    attempts: row.attempts,
    createdAt: row.createdAt.toISOString(),
    nextAttemptAt: row.status === 'pending' ? row.nextAttemptAt.toISOString() : null,
    deliveredAt: iso(row.deliveredAt),
    lastStatusCode: row.lastStatusCode,
    lastError: row.lastError,
    attemptLog: attempts.map((attempt) => ({ at: attempt.at.toISOString(), statusCode: attempt.statusCode, error: attempt.error, durationMs: attempt.durationMs })),
  };
}
