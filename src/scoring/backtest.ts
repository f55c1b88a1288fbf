import { Action, ACTIONS } from './actions';
import { SignalFactName } from './facts';
import { signalLeaves } from './conditions';
import { CompiledPolicy } from './compiled-policy';
import { decideOutcome, emptyMatrix, OutcomeMatrix } from './outcome';
import { Condition, Reason } from './policy.types';
import { queryKey, SignalCollector, SignalProviders, SignalRecord, signalQuery } from './signal-collector';

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

const NOT_REPLAYABLE = 'not replayable: this query was not asked when the decision was made';
const PLACEHOLDER_NUMBER = '+10000000000';
const MAX_CHANGED_LISTED = 1000;
const MAX_REFUSED_LISTED = 20;

/**
 * Replays stored decisions against a candidate policy, on the signal answers stored with
 * each decision and on the decision's own date (so "30 days" asks what it asked then). A
 * rule needing a query the decision never made (a CAMARA answer for "30 days" says nothing
 * about "60 days") is not evaluated on a made-up answer: it is counted not replayable for that
 * decision, and the decision is left out of the outcome matrix.
 */
export class Backtest {
  private readonly matrix = emptyMatrix();
  private readonly hits = new Map<string, { before: number; after: number; notReplayable: number }>();
  private readonly changed: BacktestReport['changed'] = [];
  private changedCount = 0;
  private decisions = 0;
  private replayable = 0;
  private readonly inputsRefused: BacktestReport['inputsRefused'] = { count: 0, examples: [] };
  private readonly labelled: { before: Action; after: Action; label: Label }[] = [];

  constructor(private readonly candidate: CompiledPolicy) {
    for (const name of candidate.ruleNames) this.hits.set(name, { before: 0, after: 0, notReplayable: 0 });
  }

  async add(decision: StoredDecision): Promise<void> {
    this.decisions += 1;
    const refused = this.candidate.inputs.problems(decision.context);
    if (refused.length > 0) {
      this.inputsRefused.count += 1;
      if (this.inputsRefused.examples.length < MAX_REFUSED_LISTED) this.inputsRefused.examples.push({ id: decision.id, fields: [...new Set(refused.map((p) => p.field))] });
      return;
    }
    const stored = new Map(decision.signals.map((record) => [queryKey(record), record]));
    const missing = new Set<string>();
    const collector = new SignalCollector(this.providers(stored, missing), { phoneNumber: PLACEHOLDER_NUMBER, trustedSince: decision.trustedSince, correlator: 'backtest' }, decision.createdAt);
    const replayed = await this.candidate.evaluate(collector, {
      useCase: this.candidate.id,
      trustedSince: decision.trustedSince ?? null,
      context: decision.context ?? {},
    });
    const blind = new Set(
      this.candidate.document.rules
        .filter((rule) =>
          [...signalLeaves(rule.conditions as Condition)].some((leaf) => {
            const query = signalQuery(leaf.fact as SignalFactName, leaf.params ?? {}, decision.createdAt, decision.trustedSince);
            return !('missing' in query) && missing.has(queryKey(query));
          }),
        )
        .map((rule) => rule.name),
    );
    for (const name of blind) this.rule(name).notReplayable += 1;
    if (blind.size > 0) return;
    this.replayable += 1;
    // Before and after are counted on the same decisions: the fully replayable ones.
    for (const reason of decision.reasons) this.rule(reason.rule).before += 1;
    const fired = new Set(replayed.reasons.map((reason) => reason.rule));
    for (const name of fired) this.rule(name).after += 1;
    const after = decideOutcome(
      this.candidate.document.rules.filter((rule) => fired.has(rule.name)),
      this.candidate.document.scoreThresholds,
    ).outcome;
    this.matrix[decision.outcome][after] += 1;
    if (after !== decision.outcome) {
      this.changedCount += 1;
      if (this.changed.length < MAX_CHANGED_LISTED) this.changed.push({ id: decision.id, before: decision.outcome, after });
    }
    if (decision.label) this.labelled.push({ before: decision.outcome, after, label: decision.label });
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
    if (this.labelled.length > 0) {
      report.labels = { labelled: this.labelled.length, before: this.quality('before'), after: this.quality('after') };
    }
    return report;
  }

  private quality(side: 'before' | 'after'): Record<Action, OutcomeQuality> {
    const fraudTotal = this.labelled.filter((l) => l.label === 'fraud').length;
    return Object.fromEntries(
      ACTIONS.map((action) => {
        const with_ = this.labelled.filter((l) => l[side] === action);
        const fraud = with_.filter((l) => l.label === 'fraud').length;
        return [action, { decisions: with_.length, fraud, precision: with_.length ? fraud / with_.length : null, recall: fraudTotal ? fraud / fraudTotal : null }];
      }),
    ) as Record<Action, OutcomeQuality>;
  }

  private rule(name: string) {
    let counts = this.hits.get(name);
    if (!counts) this.hits.set(name, (counts = { before: 0, after: 0, notReplayable: 0 }));
    return counts;
  }

  /** Providers that answer from the decision's stored signals, and note what was never asked. */
  private providers(stored: Map<string, SignalRecord>, missing: Set<string>): SignalProviders {
    const answer = (signal: SignalRecord['signal'], operation: string, query: Record<string, string | number>) => {
      const key = queryKey({ signal, operation, query });
      const record = stored.get(key);
      if (!record) {
        missing.add(key);
        return Promise.resolve({ status: 'UNAVAILABLE' as const, reason: NOT_REPLAYABLE });
      }
      if (record.status === 'OK') return Promise.resolve({ status: 'OK' as const, value: record.answer ?? {} });
      return Promise.resolve({ status: record.status, reason: record.reason ?? '' });
    };
    return {
      tenure: { checkTenure: (q: { tenureDate: string }) => answer('tenure', 'checkTenure', { tenureDate: q.tenureDate }) },
      numberRecycling: { check: (q: { specifiedDate: string }) => answer('numberRecycling', 'check', { specifiedDate: q.specifiedDate }) },
      simSwap: { check: (q: { maxAge: number }) => answer('simSwap', 'check', { maxAge: q.maxAge }) },
      deviceSwap: { check: (q: { maxAge: number }) => answer('deviceSwap', 'check', { maxAge: q.maxAge }) },
    } as unknown as SignalProviders;
  }
}
