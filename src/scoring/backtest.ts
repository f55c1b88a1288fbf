import { Action, ACTIONS } from './actions';
import { SignalFactName } from './facts';
import { signalLeaves } from './conditions';
import { CompiledPolicy } from './compiled-policy';
import { emptyMatrix, Outcome, OutcomeMatrix } from './outcome';
import { Condition, LeafCondition, Reason } from './policy.types';
import { ReplayCollector } from './replay-collector';
import { queryKey, SignalRecord, signalQuery } from './signal-collector';

export type Label = 'fraud' | 'legitimate';

/** A stored decision, as much of it as a replay needs. */
export interface StoredDecision {
  id: string;
  createdAt: Date;
  outcome: Action;
  reasons: Reason[];
  signals: SignalRecord[];
  trustedSince?: string;
  context?: Record<string, unknown>;
  label?: Label;
}

interface OutcomeQuality {
  decisions: number;
  fraud: number;
  /** Share of this outcome's labelled decisions that were fraud. */
  precision: number | null;
  /** Share of all labelled fraud that got this outcome. */
  recall: number | null;
}

export interface BacktestReport {
  policyId: string;
  candidateVersion: string;
  decisions: number;
  /** Decisions every fired-or-not rule of the candidate could be replayed on. */
  replayable: number;
  /**
   * Decisions whose stored context the candidate's declared inputs refuse: the candidate would
   * have answered them 400, so they are not replayed (nor counted in `replayable`).
   */
  inputsRefused: { count: number; examples: { id: string; fields: string[] }[] };
  matrix: OutcomeMatrix;
  /** Per rule: hits before and after on the replayable decisions, and decisions it could not be replayed on. */
  rules: { rule: string; before: number; after: number; notReplayable: number }[];
  changed: { id: string; before: Action; after: Action }[];
  changedCount: number;
  labels?: { labelled: number; before: Record<Action, OutcomeQuality>; after: Record<Action, OutcomeQuality> };
}

const MAX_CHANGED_LISTED = 1000;
const MAX_REFUSED_LISTED = 20;

/** Labelled decisions per outcome, and how many of them were fraud. */
type LabelCounts = Record<Action, { decisions: number; fraud: number }>;
const emptyLabelCounts = (): LabelCounts => Object.fromEntries(ACTIONS.map((a) => [a, { decisions: 0, fraud: 0 }])) as LabelCounts;

/**
 * Replays stored decisions against a candidate policy, on the signal answers stored with
 * each decision and on the decision's own date (so "30 days" asks what it asked then). A
 * rule needing a query the decision never made (a CAMARA answer for "30 days" says nothing
 * about "60 days") is not evaluated on a made-up answer: it is counted not replayable for that
 * decision, and the decision is left out of the outcome matrix.
 *
 * It keeps counts, and at most MAX_CHANGED_LISTED + MAX_REFUSED_LISTED examples: its memory
 * does not grow with the number of decisions. Decisions are added one at a time (each `add`
 * awaited before the next): they share one replay collector.
 */
export class Backtest {
  private readonly matrix = emptyMatrix();
  private readonly hits = new Map<string, { before: number; after: number; notReplayable: number }>();
  private readonly changed: BacktestReport['changed'] = [];
  private changedCount = 0;
  private decisions = 0;
  private replayable = 0;
  private readonly inputsRefused: BacktestReport['inputsRefused'] = { count: 0, examples: [] };
  private labelled = 0;
  private fraud = 0;
  private readonly labels = { before: emptyLabelCounts(), after: emptyLabelCounts() };
  private readonly collector = new ReplayCollector();
  private replaying = false;
  /** Each rule's signal leaves, walked once here rather than per decision. */
  private readonly ruleLeaves: { name: string; leaves: LeafCondition[] }[];

  constructor(private readonly candidate: CompiledPolicy) {
    for (const name of candidate.ruleNames) this.hits.set(name, { before: 0, after: 0, notReplayable: 0 });
    this.ruleLeaves = candidate.document.rules.map((rule) => ({ name: rule.name, leaves: [...signalLeaves(rule.conditions as Condition)] }));
  }

  async add(decision: StoredDecision): Promise<void> {
    if (this.replaying) throw new Error('Backtest.add: await each decision before adding the next');
    this.decisions += 1;
    const refused = this.candidate.inputs.problems(decision.context);
    if (refused.length > 0) {
      this.inputsRefused.count += 1;
      if (this.inputsRefused.examples.length < MAX_REFUSED_LISTED) this.inputsRefused.examples.push({ id: decision.id, fields: [...new Set(refused.map((p) => p.field))] });
      return;
    }
    this.replaying = true;
    let replayed: Outcome;
    try {
      replayed = await this.candidate.evaluate(this.collector.load(decision), {
        useCase: this.candidate.id,
        trustedSince: decision.trustedSince ?? null,
        context: decision.context ?? {},
      });
    } finally {
      this.replaying = false;
    }
    // Nothing asked was missing (the usual case): no rule can be blind.
    if (this.collector.missing.size > 0 && this.countBlind(decision, this.collector.missing)) return;
    this.replayable += 1;
    // Before and after are counted on the same decisions: the fully replayable ones.
    for (const reason of decision.reasons) this.rule(reason.rule).before += 1;
    // One reason per fired rule (rule names are unique), and evaluate's outcome is the one
    // the fired rules give under the candidate's thresholds.
    for (const reason of replayed.reasons) this.rule(reason.rule).after += 1;
    const after = replayed.outcome;
    this.matrix[decision.outcome][after] += 1;
    if (after !== decision.outcome) {
      this.changedCount += 1;
      if (this.changed.length < MAX_CHANGED_LISTED) this.changed.push({ id: decision.id, before: decision.outcome, after });
    }
    if (decision.label) {
      const fraud = decision.label === 'fraud' ? 1 : 0;
      this.labelled += 1;
      this.fraud += fraud;
      this.labels.before[decision.outcome].decisions += 1;
      this.labels.before[decision.outcome].fraud += fraud;
      this.labels.after[after].decisions += 1;
      this.labels.after[after].fraud += fraud;
    }
  }

  /** Counts the rules that asked a query the decision never made; true when there is one. */
  private countBlind(decision: StoredDecision, missing: ReadonlySet<string>): boolean {
    let blind = false;
    for (const { name, leaves } of this.ruleLeaves) {
      const asked = leaves.some((leaf) => {
        const query = signalQuery(leaf.fact as SignalFactName, leaf.params ?? {}, decision.createdAt, decision.trustedSince);
        return !('missing' in query) && missing.has(queryKey(query));
      });
      if (asked) {
        this.rule(name).notReplayable += 1;
        blind = true;
      }
    }
    return blind;
  }

  report(): BacktestReport {
    const report: BacktestReport = {
      policyId: this.candidate.id,
      candidateVersion: this.candidate.version,
      decisions: this.decisions,
      replayable: this.replayable,
      inputsRefused: this.inputsRefused,
      matrix: this.matrix,
      rules: [...this.hits].map(([rule, counts]) => ({ rule, ...counts })),
      changed: this.changed,
      changedCount: this.changedCount,
    };
    if (this.labelled > 0) report.labels = { labelled: this.labelled, before: this.quality('before'), after: this.quality('after') };
    return report;
  }

  private quality(side: 'before' | 'after'): Record<Action, OutcomeQuality> {
    return Object.fromEntries(
      ACTIONS.map((action) => {
        const { decisions, fraud } = this.labels[side][action];
        return [action, { decisions, fraud, precision: decisions ? fraud / decisions : null, recall: this.fraud ? fraud / this.fraud : null }];
      }),
    ) as Record<Action, OutcomeQuality>;
  }

  private rule(name: string) {
    let counts = this.hits.get(name);
    if (!counts) this.hits.set(name, (counts = { before: 0, after: 0, notReplayable: 0 }));
    return counts;
  }
}
