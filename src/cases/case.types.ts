import type { DecisionView } from '../decisions/decision.types';
import { CaseEventRow, CaseRow, CaseStatus, Disposition } from './case-rows';

/** The API's view of a case (also the `data` of case webhook events). */
export interface CaseView {
  id: string;
  decisionId: string;
  useCase: string;
  outcome: string;
  score: number;
  status: CaseStatus;
  /** the API key id of the analyst who claimed it */
  assignee: string | null;
  disposition: Disposition | null;
  createdAt: string;
  dueAt: string;
  /** not resolved and past its due time */
  overdue: boolean;
  claimedAt: string | null;
  resolvedAt: string | null;
}

/** A case with its audit trail and the decision it reviews (GET /v1/cases/{id}, and every action's answer). */
export interface CaseDetail extends CaseView {
  events: CaseEventView[];
  decision: DecisionView;
}

export interface CaseEventView {
  id: string;
  at: string;
  action: string;
  apiKeyId: string | null;
  note: string | null;
  disposition: string | null;
}

const iso = (date: Date | null) => (date ? date.toISOString() : null);

export function toCaseView(row: CaseRow, now: Date): CaseView {
  return {
    id: row.id,
    decisionId: row.decisionId,
    useCase: row.useCase,
    outcome: row.outcome,
    score: row.score,
    status: row.status as CaseStatus,
    assignee: row.assigneeKeyId,
    disposition: row.disposition as Disposition | null,
    createdAt: row.createdAt.toISOString(),
    dueAt: row.dueAt.toISOString(),
    overdue: row.status !== 'resolved' && row.dueAt.getTime() <= now.getTime(),
    claimedAt: iso(row.claimedAt),
    resolvedAt: iso(row.resolvedAt),
  };
}

export function toCaseEventView(row: CaseEventRow): CaseEventView {
  return { id: row.id, at: row.at.toISOString(), action: row.action, apiKeyId: row.apiKeyId, note: row.note, disposition: row.disposition };
}
