// The backtest as it was before replays streamed from raw pages (git 0cbdc0f): pages through
// Prisma with the old mapping, and the old Backtest on the generic SignalCollector. Kept only
// as the oracle of test/backtest-replay.e2e-spec.ts, which wants the same report from both.
import { PrismaService } from '../../src/prisma/prisma.service';
import { Action, ACTIONS } from '../../src/scoring/actions';
import { BacktestReport, Label, StoredDecision } from '../../src/scoring/backtest';
import { signalLeaves } from '../../src/scoring/conditions';
import { CompiledPolicy } from '../../src/scoring/compiled-policy';
import { SignalFactName } from '../../src/scoring/facts';
import { decideOutcome, emptyMatrix } from '../../src/scoring/outcome';
import { Condition } from '../../src/scoring/policy.types';
import { queryKey, SignalCollector, SignalProviders, SignalRecord, signalQuery } from '../../src/scoring/signal-collector';

const NOT_REPLAYABLE = 'not replayable: this query was not asked when the decision was made';
const PLACEHOLDER_NUMBER = '+10000000000';
const MAX_CHANGED_LISTED = 1000;
const MAX_REFUSED_LISTED = 20;

/** The old DecisionRepository.replayPage. */
export async function legacyReplayPage(prisma: PrismaService, useCase: string, from: Date | undefined, to: Date | undefined, afterId: string | undefined, take: number): Promise<StoredDecision[]> {
  const rows = await prisma.client.decision.findMany({
    where: { useCase, createdAt: { gte: from, lt: to }, ...(afterId ? { id: { gt: afterId } } : {}) },
    orderBy: { id: 'asc' },
    take,
    select: { id: true, createdAt: true, outcome: true, reasons: true, signals: true, trustedSince: true, context: true, label: true },
  });
  return rows.map((row) => ({
    id: row.id,
    createdAt: row.createdAt,
    outcome: row.outcome as Action,
    reasons: JSON.parse(row.reasons),
    signals: JSON.parse(row.signals),
    trustedSince: row.trustedSince ?? undefined,
    context: row.context === null ? undefined : JSON.parse(row.context),
    label: (row.label ?? undefined) as Label | undefined,
  }));
}

/** The old BacktestService.run. */
export async function legacyBacktest(prisma: PrismaService, candidate: CompiledPolicy, range: { from?: Date; to?: Date } = {}): Promise<BacktestReport> {
  const backtest = new LegacyBacktest(candidate);
  let after: string | undefined;
  for (;;) {
    const page = await legacyReplayPage(prisma, candidate.id, range.from, range.to, after, 2000);
    if (page.length === 0) break;
    for (const decision of page) await backtest.add(decision);
    after = page[page.length - 1].id;
  }
  return backtest.report();
}

interface OutcomeQuality {
  decisions: number;
  fraud: number;
  precision: number | null;
  recall: number | null;
}

/**
 * Replays stored decisions against a candidate policy, on the signal answers stored with
 * each decision and on the decision's own date (so "30 days" asks what it asked then). A
 * rule needing a query the decision never made (a CAMARA answer for "30 days" says nothing
 * about "60 days") is not evaluated on a made-up answer: it is counted not replayable for that
 * decision, and the decision is left out of the outcome matrix.
 */
class LegacyBacktest {
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
