import { Action, ACTIONS, mostSevere, severity } from './actions';
import { PolicyRule, Reason, ScoreThresholds } from './policy.types';

/** Outcome-change matrix: outcome before -> outcome after -> decisions. */
export type OutcomeMatrix = Record<Action, Record<Action, number>>;

/** A zero count for every outcome. */
export function emptyCounts(): Record<Action, number> {
  return Object.fromEntries(ACTIONS.map((action) => [action, 0])) as Record<Action, number>;
}

export function emptyMatrix(): OutcomeMatrix {
  return Object.fromEntries(ACTIONS.map((a) => [a, emptyCounts()])) as OutcomeMatrix;
}

export interface Outcome {
  outcome: Action;
  score: number;
  reasons: Reason[];
}

/** The action a score reaches under the policy's thresholds (ALLOW when it reaches none). */
export function thresholdAction(score: number, thresholds: ScoreThresholds = {}): Action {
  let reached: Action = 'ALLOW';
  // ACTIONS runs from the least to the most severe: the last threshold reached is the most severe.
  for (const action of ACTIONS) {
    if (action === 'ALLOW') continue;
    const threshold = thresholds[action];
    if (threshold !== undefined && score >= threshold) reached = action;
  }
  return reached;
}

/**
 * Outcome of a policy run: the most severe action among the fired rules or the one the score
 * thresholds give, whichever is more severe. The score is the fired rules' points summed and
 * capped at 100. Reasons list the fired rules, most severe first, then in file order.
 */
export function decideOutcome(fired: readonly PolicyRule[], thresholds?: ScoreThresholds): Outcome {
  const score = Math.min(100, fired.reduce((sum, rule) => sum + (rule.event.params.score ?? 0), 0));
  const outcome = mostSevere([...fired.map((rule) => rule.event.type), thresholdAction(score, thresholds)]);
  // Array.prototype.sort is stable (ES2019): reasons of one action keep their file order.
  const reasons = [...fired]
    .sort((a, b) => severity(b.event.type) - severity(a.event.type))
    .map((rule) => ({
      rule: rule.name,
      code: rule.event.params.code,
      action: rule.event.type,
      message: rule.event.params.message,
    }));
  return { outcome, score, reasons };
}
