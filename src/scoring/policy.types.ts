import { Action } from './actions';

/** A leaf condition of a rule: json-rules-engine's form, with LineTrust's facts. */
export interface LeafCondition {
  fact: string;
  operator: string;
  value: unknown;
  path?: string;
  params?: Record<string, unknown>;
  priority?: number;
}

export type Condition = LeafCondition | { all: Condition[] } | { any: Condition[] } | { not: Condition };

/** A rule as written in a policy file (json-rules-engine's rule format). */
export interface PolicyRule {
  name: string;
  description?: string;
  priority?: number;
  conditions: { all: Condition[] } | { any: Condition[] } | { not: Condition };
  event: {
    type: Action;
    params: { code: string; message: string; score?: number };
  };
}

/** Score at or above which an action applies, for the actions a policy sets. */
export type ScoreThresholds = Partial<Record<Exclude<Action, 'ALLOW'>, number>>;

/** A policy file's content: one per use case in `rules/`. */
export interface PolicyDocument {
  $schema?: string;
  id: string;
  description?: string;
  scoreThresholds?: ScoreThresholds;
  rules: PolicyRule[];
}

/** One fired rule, as the decision explains it. */
export interface Reason {
  rule: string;
  code: string;
  action: Action;
  message: string;
}
