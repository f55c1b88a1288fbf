import type { Decision } from '../prisma/generated/sqlite/client';
import { Action } from '../scoring/actions';
import { Label } from '../scoring/backtest';
import { DecisionRecord } from './decision.types';

/** A decision as stored: one row of the Decision table (the Prisma model's type). */
export type DecisionRow = Decision;

/** An Idempotency-Key claim a decision is linked to (IdempotencyRecord's key and its creation time). */
export interface Claim {
  apiKeyId: string;
  key: string;
  createdAt: Date;
}

/** A new Idempotency-Key claim, pending its decision; `inserted` is set by the writer (false: the key was claimed already). */
export interface ClaimWrite {
  claim: Claim & { requestHash: string };
  inserted?: boolean;
}

export function toRow(record: DecisionRecord): DecisionRow {
  return {
    id: record.id,
    createdAt: record.createdAt,
    useCase: record.useCase,
    outcome: record.outcome,
    score: record.score,
    reasons: JSON.stringify(record.reasons),
    signals: JSON.stringify(record.signals),
    policyId: record.policyId,
    policyVersion: record.policyVersion,
    phoneNumberHash: record.phoneNumberHash,
    phoneNumberMasked: record.phoneNumberMasked,
    subjectId: record.subjectId ?? null,
    context: record.context === undefined ? null : JSON.stringify(record.context),
    trustedSince: record.trustedSince ?? null,
    correlator: record.correlator,
    apiKeyId: record.apiKeyId ?? null,
    shadowPolicyVersion: record.shadow?.policyVersion ?? null,
    shadowOutcome: record.shadow?.outcome ?? null,
    shadowScore: record.shadow?.score ?? null,
    shadowReasons: record.shadow ? JSON.stringify(record.shadow.reasons) : null,
    label: record.label ?? null,
    labeledAt: record.labeledAt ?? null,
  };
}

export function fromRow(row: DecisionRow): DecisionRecord {
  const record: DecisionRecord = {
    id: row.id,
    createdAt: row.createdAt,
    useCase: row.useCase,
    outcome: row.outcome as Action,
    score: row.score,
    reasons: JSON.parse(row.reasons),
    signals: JSON.parse(row.signals),
    policyId: row.policyId,
    policyVersion: row.policyVersion,
    phoneNumberHash: row.phoneNumberHash,
    phoneNumberMasked: row.phoneNumberMasked,
    correlator: row.correlator,
  };
  if (row.apiKeyId !== null) record.apiKeyId = row.apiKeyId;
  if (row.subjectId !== null) record.subjectId = row.subjectId;
  if (row.context !== null) record.context = JSON.parse(row.context);
  if (row.trustedSince !== null) record.trustedSince = row.trustedSince;
  if (row.label !== null) record.label = row.label as Label;
  if (row.labeledAt !== null) record.labeledAt = row.labeledAt;
  if (row.shadowPolicyVersion !== null) {
    record.shadow = {
      policyVersion: row.shadowPolicyVersion,
      outcome: row.shadowOutcome as Action,
      score: row.shadowScore ?? 0,
      reasons: JSON.parse(row.shadowReasons ?? '[]'),
    };
  }
  return record;
}

/**
 * The Decision table's columns, in the order the raw INSERTs bind them. Typed against the Prisma
 * model, so a column added to the model and not here fails to compile;
 * test/decision-write-path.e2e-spec.ts checks the migrated tables have exactly these columns.
 */
export const DECISION_COLUMNS = [
  'id', 'createdAt', 'useCase', 'outcome', 'score', 'reasons', 'signals', 'policyId', 'policyVersion', 'phoneNumberHash',
  'phoneNumberMasked', 'subjectId', 'context', 'trustedSince', 'correlator', 'apiKeyId', 'shadowPolicyVersion',
  'shadowOutcome', 'shadowScore', 'shadowReasons', 'label', 'labeledAt',
] as const satisfies readonly (keyof DecisionRow)[];

// Compile-time: every column of the model is listed (an unlisted one makes this `never`).
type Unlisted = Exclude<keyof DecisionRow, (typeof DECISION_COLUMNS)[number]>;
const everyColumnListed: Unlisted extends never ? true : never = true;
void everyColumnListed;

/** Prisma's text form of a SQLite DateTime (`2026-12-05T16:56:59.005+00:00`): reads and range filters compare it as text. */
export function sqliteDateTime(date: Date): string {
  return date.toISOString().replace(/Z$/, '+00:00');
}

/** The row's values in DECISION_COLUMNS order, as SQLite stores them. */
export function sqliteValues(row: DecisionRow): (string | number | null)[] {
  return DECISION_COLUMNS.map((column) => {
    const value = row[column];
    return value instanceof Date ? sqliteDateTime(value) : value;
  });
}
