import { Inject, Injectable, Logger, OnModuleDestroy, Optional } from '@nestjs/common';
import { Span, SpanKind } from '@opentelemetry/api';
import { Deadline, DeadlineExceededError, monotonicMs } from '../common/batching/write-attempt';
import { InvalidArgumentError, NotFoundError, UnavailableError } from '../common/errors/domain.error';
import { requestArrivedAt } from '../common/http/request-context';
import { UUID_PATTERN, uuidv7 } from '../common/ids/uuid7';
import { hashPhoneNumber, maskPhoneNumber } from '../common/phone/phone-number';
import { Clock, toCalendarDate } from '../common/time/clock';
import { assertUseCase, mayUseCase, Principal } from '../auth/scopes';
import { AppConfig } from '../config/app-config';
import { MetricsService } from '../metrics/metrics.service';
import { PolicyRegistry } from '../policies/policy.registry';
import { Label } from '../scoring/backtest';
import { CompiledPolicy, RequestFacts } from '../scoring/compiled-policy';
import { inputProblemsMessage } from '../scoring/policy-inputs';
import { SignalCollector, SignalProviders } from '../scoring/signal-collector';
import { SIGNAL_PROVIDERS } from '../scoring/signal-providers.token';
import { SignalGateway } from '../signals/signal-gateway';
import { Tracing } from '../tracing/tracing';
import { AttachedRows } from './attached-rows';
import { DecisionAttachments } from './decision-attachments';
import { DecisionRepository } from './decision.repository';
import { DecisionRecord, DecisionView, toDecisionView } from './decision.types';
import { CreateDecisionDto } from './dto/create-decision.dto';
import { ListDecisionsQuery } from './dto/list-decisions.query';
import { dateRange } from './dto/time-range.query';

/** Writes a decision by its deadline; false when it must not be stored (an Idempotency-Key claim lost). */
export type DecisionStore = (record: DecisionRecord, deadline: Deadline, attached?: AttachedRows) => Promise<boolean>;

/** A stalled database usually recovers within seconds (a lock released, a failover). */
const RETRY_AFTER_S = 1;

/** What a decision's span says of it: never the number, not even masked (docs/tracing.md). */
function describeDecision(span: Span, record: DecisionRecord): void {
  span.setAttributes({
    'linetrust.decision.id': record.id,
    'linetrust.decision.outcome': record.outcome,
    'linetrust.decision.score': record.score,
    'linetrust.policy.id': record.policyId,
    'linetrust.policy.version': record.policyVersion,
  });
}

@Injectable()
export class DecisionService implements OnModuleDestroy {
  private readonly logger = new Logger(DecisionService.name);
  private readonly shadows = new Set<Promise<void>>();

  constructor(
    private readonly policies: PolicyRegistry,
    @Inject(SIGNAL_PROVIDERS) private readonly providers: SignalProviders,
    private readonly gateway: SignalGateway,
    private readonly repository: DecisionRepository,
    private readonly clock: Clock,
    private readonly config: AppConfig,
    private readonly metrics: MetricsService,
    private readonly attachments: DecisionAttachments,
    @Optional() private readonly tracing: Tracing = Tracing.off(),
  ) {}

  /**
   * Evaluates the use case's policy on the number's signals, stores the decision, returns it.
   * `store` writes the decision (by default with concurrent ones, in one commit); an
   * Idempotency-Key request stores it with its claim instead, and may find the claim lost:
   * the decision is then not stored, and `undefined` is answered.
   *
   * One budget, counted on the monotonic clock from the request's arrival: the signals have
   * DECISION_DEADLINE_MS of it, and the decision must be committed by DECISION_DEADLINE_MS +
   * DECISION_WRITE_BUDGET_MS. Past that it is refused with 503 UNAVAILABLE and Retry-After, and
   * it is not stored (see GroupCommit and WriteAttempt for why that holds).
   */
  async decide(request: CreateDecisionDto, correlator: string, caller: Principal): Promise<DecisionView>;
  async decide(request: CreateDecisionDto, correlator: string, caller: Principal, store: DecisionStore): Promise<DecisionView | undefined>;
  async decide(request: CreateDecisionDto, correlator: string, caller: Principal, store?: DecisionStore): Promise<DecisionView | undefined> {
    // A span per decision (docs/tracing.md), current while it runs: its signal queries are its children.
    return this.tracing.span('decision', (span) => this.make(request, correlator, caller, span, store), { kind: SpanKind.SERVER, current: true });
  }

  private async make(request: CreateDecisionDto, correlator: string, caller: Principal, span: Span, store?: DecisionStore): Promise<DecisionView | undefined> {
    const started = performance.now();
    span.setAttribute('linetrust.use_case', request.useCase);
    const entered = monotonicMs();
    const arrivedAt = Math.min(requestArrivedAt() ?? entered, entered);
    const budget = new Deadline(arrivedAt + this.config.DECISION_DEADLINE_MS + this.config.DECISION_WRITE_BUDGET_MS);
    assertUseCase(caller, request.useCase);
    const policy = this.policies.get(request.useCase);
    // Fail closed: a context the policy does not declare (a typo, "5,000", a missing field)
    // is refused here, before any operator call, rather than silently read as "no risk".
    const refused = policy.inputs.problems(request.context);
    if (refused.length > 0) {
      throw new InvalidArgumentError(`context does not fit the inputs of use case ${policy.id}: ${inputProblemsMessage(refused)}`);
    }
    const now = this.clock.now();
    if (request.trustedSince !== undefined && request.trustedSince > toCalendarDate(now)) {
      throw new InvalidArgumentError('trustedSince must not be in the future');
    }
    const { phoneNumber, trustedSince } = request;
    // Past the deadline, the signals still missing are recorded UNAVAILABLE and the policy decides.
    // Hashed once: the stored decision and every cache key of its queries use it.
    const phoneNumberHash = hashPhoneNumber(phoneNumber, this.config.hashKey);
    const subject = { phoneNumber, trustedSince, correlator, subjectKey: phoneNumberHash };
    // What the request spent before this point (authentication, a claim) is the signals' loss.
    const signalsMs = Math.max(1, Math.round(arrivedAt + this.config.DECISION_DEADLINE_MS - monotonicMs()));
    const options = { executor: this.gateway, deadlineMs: signalsMs };
    const collector = new SignalCollector(this.providers, subject, now, options);
    const facts = { useCase: request.useCase, trustedSince: trustedSince ?? null, context: request.context ?? {} };
    const { outcome, score, reasons } = await this.tracing.step(span, 'policy.evaluate', () => policy.evaluate(collector, facts)).finally(() => collector.close());
    const record: DecisionRecord = {
      id: uuidv7(now.getTime()),
      createdAt: now,
      useCase: request.useCase,
      outcome,
      score,
      reasons,
      signals: [...collector.records],
      policyId: policy.id,
      policyVersion: policy.version,
      phoneNumberHash,
      phoneNumberMasked: maskPhoneNumber(phoneNumber),
      subjectId: request.subjectId,
      context: request.context,
      trustedSince,
      correlator,
      apiKeyId: caller.keyId,
    };
    // Its review case and webhook events are written with it, or not at all.
    const attached = this.attachments.for(record, policy);
    if (span.isRecording()) describeDecision(span, record);
    if (!(await this.tracing.step(span, 'decision.store', () => this.store(record, budget, store, attached)))) return undefined;
    this.metrics.decided(record.useCase, outcome, (performance.now() - started) / 1000);
    const candidate = this.policies.candidate(request.useCase);
    // A candidate that declares other inputs would have refused this context: not evaluated.
    if (candidate && candidate.inputs.problems(request.context).length > 0) this.metrics.shadowSkipped(record.useCase);
    else if (candidate) this.shadowInBackground(candidate, collector, facts, record.id);
    this.logger.debug(
      `decision ${record.id}: ${record.useCase} ${outcome} (score ${score}) for ${record.phoneNumberMasked}, policy ${policy.version}`,
    );
    return toDecisionView(record);
  }

  /** Stores the decision by its budget; false when `store` found its claim lost. */
  private async store(record: DecisionRecord, budget: Deadline, store?: DecisionStore, attached?: AttachedRows): Promise<boolean> {
    try {
      if (store) return await store(record, budget, attached);
      await this.repository.insert(record, budget, attached);
      return true;
    } catch (error) {
      if (!(error instanceof DeadlineExceededError)) throw error;
      this.logger.warn(`decision ${record.id} (${record.useCase}) not stored: the database did not commit it within the decision's budget`);
      throw new UnavailableError('The decision could not be stored in time, so it was not made; retry later.', RETRY_AFTER_S);
    }
  }

  /**
   * The candidate's verdict, once the decision is answered: it never delays or changes the
   * answer. It reuses the decision's answers (never asked twice); what only the candidate
   * asks is extra operator calls, made now, and not part of the decision's explanation.
   */
  private shadowInBackground(candidate: CompiledPolicy, active: SignalCollector, facts: RequestFacts, id: string): void {
    const collector = active.fork(this.config.DECISION_DEADLINE_MS);
    const task: Promise<void> = candidate
      .evaluate(collector, facts)
      .then(({ outcome, score, reasons }) => this.repository.setShadow(id, { policyVersion: candidate.version, outcome, score, reasons }))
      .catch((error: unknown) => this.logger.error(`shadow candidate ${candidate.id} ${candidate.version} failed`, (error as Error).stack))
      .finally(() => {
        collector.close();
        this.shadows.delete(task);
      });
    this.shadows.add(task);
  }

  /** Resolves when every shadow run started so far has been stored (shutdown, tests). */
  async shadowsSettled(): Promise<void> {
    await Promise.all([...this.shadows]);
  }

  async onModuleDestroy(): Promise<void> {
    await this.shadowsSettled();
  }

  /**
   * Feedback: what the decision turned out to be. Backtests measure precision and recall with it.
   * An analyst's key limited to some use cases labels only their decisions (another's is a 404, as on GET).
   */
  async label(id: string, label: Label, caller?: Principal): Promise<{ id: string; label: Label; labeledAt: string }> {
    const at = this.clock.now();
    const notFound = () => new NotFoundError(UUID_PATTERN.test(id) ? `decision ${id} not found` : 'decision not found');
    if (!UUID_PATTERN.test(id)) throw notFound();
    if (caller && caller.useCases !== null) {
      const found = await this.repository.findById(id);
      if (!found || !mayUseCase(caller, found.useCase)) throw notFound();
    }
    if (!(await this.repository.label(id, label, at))) throw notFound();
    return { id, label, labeledAt: at.toISOString() };
  }

  /** A stored decision by id, whoever made it (an Idempotency-Key replay). */
  async findStored(id: string): Promise<DecisionView | undefined> {
    const record = await this.repository.findById(id);
    return record ? toDecisionView(record) : undefined;
  }

  async get(id: string, caller: Principal): Promise<DecisionView> {
    // Only a well-formed id reaches the database, and only a well-formed id is echoed back.
    // Another use case's decision does not exist for this key (its existence is not revealed).
    const found = UUID_PATTERN.test(id) ? await this.repository.findById(id) : undefined;
    const record = found && mayUseCase(caller, found.useCase) ? found : undefined;
    if (!record) throw new NotFoundError(UUID_PATTERN.test(id) ? `decision ${id} not found` : 'decision not found');
    return toDecisionView(record);
  }

  async list(query: ListDecisionsQuery, caller: Principal): Promise<{ items: DecisionView[]; nextCursor: string | null }> {
    const { outcome, subjectId, phoneNumber, limit, cursor } = query;
    if (query.useCase !== undefined) assertUseCase(caller, query.useCase);
    const useCase = query.useCase ?? caller.useCases ?? undefined;
    const phoneNumberHash = phoneNumber === undefined ? undefined : hashPhoneNumber(phoneNumber, this.config.hashKey);
    const { from, to } = dateRange(query);
    // One extra row tells whether there is a next page without a count query.
    const records = await this.repository.list({ useCase, outcome, subjectId, phoneNumberHash, from, to }, limit + 1, cursor);
    const page = records.slice(0, limit);
    return {
      items: page.map(toDecisionView),
      nextCursor: records.length > limit ? page[page.length - 1].id : null,
    };
  }
}
