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

/** `priority` orders an `all`/`any`'s conditions (json-rules-engine's condition priority). */
type BooleanCondition = ({ all: Condition[] } | { any: Condition[] } | { not: Condition }) & { priority?: number };
export type Condition = LeafCondition | BooleanCondition;

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

/** The JSON types a context field may have: flat values a rule can compare. */
export const INPUT_TYPES = ['string', 'integer', 'number', 'boolean'] as const;
export type InputType = (typeof INPUT_TYPES)[number];

/** One declared context field: a JSON Schema restricted to what policy.schema.json allows. */
export interface InputField {
  type: InputType;
  description?: string;
  /** What the number counts, for people and the OpenAPI document: "minor units of currency". */
  'x-unit'?: string;
  enum?: (string | number | boolean)[];
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  examples?: unknown[];
}

/** The JSON Schema of a request's `context` for one use case. */
export interface ContextDeclaration {
  type: 'object';
  description?: string;
  properties?: Record<string, InputField>;
  required?: string[];
  /** Opt-in: accept (and store) fields the policy does not declare. Default false. */
  additionalProperties?: boolean;
}

/** The request inputs a policy reads. Without it, a policy reads no context field and accepts none. */
export interface PolicyInputs {
  context?: ContextDeclaration;
}

/** The review queue's settings for a use case: the outcomes that open a case, and its SLA. */
export interface ReviewSettings {
  outcomes?: Action[];
  slaHours?: number;
}

/** A policy file's content: one per use case in `rules/`. */
export interface PolicyDocument {
  $schema?: string;
  id: string;
  description?: string;
  inputs?: PolicyInputs;
  scoreThresholds?: ScoreThresholds;
  review?: ReviewSettings;
  rules: PolicyRule[];
}

/** One fired rule, as the decision explains it. */
export interface Reason {
  rule: string;
  code: string;
  action: Action;
  message: string;
}
