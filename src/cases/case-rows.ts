import type { Case, CaseEvent } from '../prisma/generated/sqlite/client';

/** A review case as stored (the Case table, the Prisma model's type). */
export type CaseRow = Case;
/** One audited action on a case (the CaseEvent table). */
export type CaseEventRow = CaseEvent;

export const CASE_STATUSES = ['open', 'claimed', 'resolved'] as const;
export type CaseStatus = (typeof CASE_STATUSES)[number];

/** How an analyst closes a case. fraud and legitimate become the decision's label; inconclusive leaves it unlabelled. */
export const DISPOSITIONS = ['fraud', 'legitimate', 'inconclusive'] as const;
export type Disposition = (typeof DISPOSITIONS)[number];

export const CASE_ACTIONS = ['opened', 'claimed', 'released', 'noted', 'resolved'] as const;
export type CaseAction = (typeof CASE_ACTIONS)[number];

/** The columns a decision's write inserts with it, in a fixed order (the raw writers' statements). */
export const CASE_COLUMNS = [
  'id', 'decisionId', 'useCase', 'outcome', 'score', 'status', 'assigneeKeyId', 'disposition', 'createdAt', 'dueAt', 'claimedAt', 'resolvedAt',
] as const satisfies readonly (keyof CaseRow)[];

export const CASE_EVENT_COLUMNS = ['id', 'caseId', 'at', 'action', 'apiKeyId', 'note', 'disposition'] as const satisfies readonly (keyof CaseEventRow)[];

// Compile-time: every column of the models is listed (an unlisted one makes these `never`).
type Unlisted = Exclude<keyof CaseRow, (typeof CASE_COLUMNS)[number]> | Exclude<keyof CaseEventRow, (typeof CASE_EVENT_COLUMNS)[number]>;
const everyColumnListed: Unlisted extends never ? true : never = true;
void everyColumnListed;
