import { Action } from '../scoring/actions';
import { Label } from '../scoring/backtest';
import { Reason } from '../scoring/policy.types';
import { SignalRecord } from '../scoring/signal-collector';

/** A decision as stored: everything needed to explain it later, no phone number in clear. */
export interface DecisionRecord {
  id: string;
  createdAt: Date;
  useCase: string;
  outcome: Action;
  score: number;
  reasons: Reason[];
  signals: SignalRecord[];
  policyId: string;
  policyVersion: string;
  phoneNumberHash: string;
  phoneNumberMasked: string;
  subjectId?: string;
  context?: Record<string, unknown>;
  trustedSince?: string;
  correlator: string;
  /** The API key that asked for the decision (its id). */
  apiKeyId?: string;
  /** The shadow candidate's verdict on the same signals: stored, never answered. */
  shadow?: { policyVersion: string; outcome: Action; score: number; reasons: Reason[] };
  /** What the decision turned out to be (feedback, or a resolved review case), and when that was recorded. */
  label?: Label;
  labeledAt?: Date;
}

export interface DecisionFilter {
  /** One use case, or any of a list (the use cases an API key may read). */
  useCase?: string | readonly string[];
  outcome?: Action;
  subjectId?: string;
  phoneNumberHash?: string;
  /** Made at or after this instant. */
  from?: Date;
  /** Made before this instant. */
  to?: Date;
}

/** The API's view of a decision, the same for POST and GET. */
export interface DecisionView {
  id: string;
  useCase: string;
  outcome: Action;
  score: number;
  reasons: Reason[];
  signals: SignalRecord[];
  policy: { id: string; version: string };
  phoneNumber: string;
  subjectId?: string;
  trustedSince?: string;
  context?: Record<string, unknown>;
  correlator: string;
  createdAt: string;
  /** Set once the decision is labelled: never on the POST's answer, since a new decision has none. */
  label?: Label;
  labeledAt?: string;
}

export function toDecisionView(record: DecisionRecord): DecisionView {
  const view: DecisionView = {
    id: record.id,
    useCase: record.useCase,
    outcome: record.outcome,
    score: record.score,
    reasons: record.reasons,
    signals: record.signals,
    policy: { id: record.policyId, version: record.policyVersion },
    phoneNumber: record.phoneNumberMasked,
    correlator: record.correlator,
    createdAt: record.createdAt.toISOString(),
  };
  if (record.subjectId !== undefined) view.subjectId = record.subjectId;
  if (record.trustedSince !== undefined) view.trustedSince = record.trustedSince;
  if (record.context !== undefined) view.context = record.context;
  if (record.label !== undefined) view.label = record.label;
  if (record.labeledAt !== undefined) view.labeledAt = record.labeledAt.toISOString();
  return view;
}
