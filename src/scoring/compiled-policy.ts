import { createHash } from 'node:crypto';
import { Action } from './actions';
import { decideOutcome, Outcome } from './outcome';
import { ContextContract } from './policy-inputs';
import { PolicyDocument } from './policy.types';
import { RuleProgram, SignalSource } from './rule-program';

const DEFAULT_REVIEW_OUTCOMES: Action[] = ['REVIEW'];
const DEFAULT_REVIEW_SLA_HOURS = 24;

/** Request facts of one evaluation (see REQUEST_FACTS). */
export interface RequestFacts {
  useCase: string;
  trustedSince: string | null;
  context: Record<string, unknown>;
}

/**
 * A validated policy, ready to run. Its rules are compiled once (RuleProgram) and evaluated
 * with json-rules-engine's semantics, which stays the policy language: a run shares nothing
 * mutable with another, so concurrent decisions need no engine per run.
 */
export class CompiledPolicy {
  readonly id: string;
  /** Content hash of the policy file: the version every decision records. */
  readonly version: string;
  readonly ruleNames: readonly string[];
  /** What the use case accepts in a request's context (its policy's `inputs.context`). */
  readonly inputs: ContextContract;
  /** Outcomes that open a review case (the policy's `review.outcomes`, REVIEW by default). */
  readonly reviewOutcomes: ReadonlySet<Action>;
  /** How long a case may stay unresolved before it is overdue. */
  readonly reviewSlaMs: number;
  private readonly program: RuleProgram;

  constructor(
    readonly document: PolicyDocument,
    readonly file: string,
    /** The file's exact text, stored with the version so a decision leads back to it. */
    readonly text: string,
  ) {
    this.id = document.id;
    this.version = createHash('sha256').update(text).digest('hex').slice(0, 16);
    this.ruleNames = document.rules.map((rule) => rule.name);
    this.inputs = new ContextContract(document.inputs?.context);
    this.program = new RuleProgram(document.rules);
    this.reviewOutcomes = new Set(document.review?.outcomes ?? DEFAULT_REVIEW_OUTCOMES);
    this.reviewSlaMs = (document.review?.slaHours ?? DEFAULT_REVIEW_SLA_HOURS) * 3_600_000;
  }

  /**
   * Runs the rules. The caller has checked the context against `inputs` (a decision refuses it
   * with 400, a backtest reports it): here declared fields the request left out read as null.
   */
  async evaluate(signals: SignalSource, facts: RequestFacts): Promise<Outcome> {
    const request = { ...facts, context: this.inputs.factValue(facts.context) };
    const { fired } = await this.program.run(signals, request);
    // Reasons list fired rules in file order (then by severity): not in the order they settled.
    const rules = fired.sort((a, b) => a - b).map((index) => this.document.rules[index]);
    return decideOutcome(rules, this.document.scoreThresholds);
  }
}
