import { CASE_COLUMNS, CASE_EVENT_COLUMNS, CaseEventRow, CaseRow } from '../cases/case-rows';
import { DELIVERY_COLUMNS, DeliveryRow } from '../webhooks/webhook-outbox';
import { Claim, DecisionRow, sqliteDateTime } from './decision-rows';

/**
 * Rows written in the decision's own transaction: the review case it opens and the outbox
 * rows of its webhook events. Committed with the decision or not at all, so a stored REVIEW
 * always has its case, and an event exists exactly when its decision was stored.
 */
export interface AttachedRows {
  cases: CaseRow[];
  caseEvents: CaseEventRow[];
  deliveries: DeliveryRow[];
}

/** A decision and what is written with it. */
export interface DecisionWrite {
  decision: DecisionRow;
  attached?: AttachedRows;
  /**
   * Made under an Idempotency-Key: the decision is written only if this claim links to it
   * (still this request's, still pending), in the same transaction.
   */
  claim?: Claim;
  /** Set by the writer on every attempt of a claimed write: whether the claim linked (and the rows were written). */
  linked?: boolean;
}

type PostgresType = 'text' | 'integer' | 'timestamp(3)';

/** An attached table as the raw writers insert it: its columns in order and their PostgreSQL types. */
export interface AttachedTable {
  name: string;
  rows: (attached: AttachedRows) => Record<string, unknown>[];
  columns: readonly string[];
  postgresTypes: Record<string, PostgresType>;
}

const typed = (columns: readonly string[], timestamps: readonly string[], integers: readonly string[]) =>
  Object.fromEntries(columns.map((c) => [c, timestamps.includes(c) ? 'timestamp(3)' : integers.includes(c) ? 'integer' : 'text'])) as Record<string, PostgresType>;

export const ATTACHED_TABLES: readonly AttachedTable[] = [
  { name: 'Case', rows: (a) => a.cases, columns: CASE_COLUMNS, postgresTypes: typed(CASE_COLUMNS, ['createdAt', 'dueAt', 'claimedAt', 'resolvedAt'], ['score']) },
  { name: 'CaseEvent', rows: (a) => a.caseEvents, columns: CASE_EVENT_COLUMNS, postgresTypes: typed(CASE_EVENT_COLUMNS, ['at'], []) },
  {
    name: 'WebhookDelivery',
    rows: (a) => a.deliveries,
    columns: DELIVERY_COLUMNS,
    postgresTypes: typed(DELIVERY_COLUMNS, ['createdAt', 'nextAttemptAt', 'lockedUntil', 'deliveredAt'], ['attempts', 'lastStatusCode']),
  },
];

/** A row's values in `columns` order, as SQLite stores them (DateTime as Prisma's text form). */
export function sqliteRowValues(row: Record<string, unknown>, columns: readonly string[]): unknown[] {
  return columns.map((column) => {
    const value = row[column];
    return value instanceof Date ? sqliteDateTime(value) : value;
  });
}

/** Nothing attached: most decisions. */
export function hasAttached(write: DecisionWrite): boolean {
  const a = write.attached;
  return a !== undefined && (a.cases.length > 0 || a.caseEvents.length > 0 || a.deliveries.length > 0);
}

export type { DecisionRow };
