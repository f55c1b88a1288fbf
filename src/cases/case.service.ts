import { Injectable } from '@nestjs/common';
import { hasScope, mayUseCase, assertUseCase, Principal } from '../auth/scopes';
import { ConflictError, NotFoundError } from '../common/errors/domain.error';
import { uuidv7, UUID_PATTERN } from '../common/ids/uuid7';
import { Clock } from '../common/time/clock';
import { DecisionService } from '../decisions/decision.service';
import { WebhookEvent, WebhookRouter } from '../webhooks/webhook-outbox';
import { CaseAction, CaseRow, CaseStatus, Disposition } from './case-rows';
import { CaseChange, CaseRepository } from './case.repository';
import { CaseDetail, CaseView, toCaseEventView, toCaseView } from './case.types';
import { ListCasesQuery } from './dto/list-cases.query';

/** The webhook event of each action an analyst takes. */
const EVENT_OF: Record<Exclude<CaseAction, 'opened'>, WebhookEvent['type']> = {
  claimed: 'case.claimed',
  released: 'case.released',
  noted: 'case.noted',
  resolved: 'case.resolved',
};

/**
 * The review queue: cases opened by decisions the policy sends to review, and what analysts do
 * with them. Every action is one conditional write (the case must still be in the state the
 * analyst saw), audited with the acting API key, with its webhook events in the same
 * transaction; a resolution as fraud or legitimate labels the decision, so backtests learn it.
 */
@Injectable()
export class CaseService {
  constructor(
    private readonly cases: CaseRepository,
    private readonly decisions: DecisionService,
    private readonly router: WebhookRouter,
    private readonly clock: Clock,
  ) {}

  async list(query: ListCasesQuery, caller: Principal): Promise<{ items: CaseView[]; nextCursor: string | null }> {
    if (query.useCase !== undefined) assertUseCase(caller, query.useCase);
    const now = this.clock.now();
    const rows = await this.cases.list(
      {
        status: query.status,
        useCase: query.useCase ?? caller.useCases ?? undefined,
        assigneeKeyId: query.assignee === 'me' ? caller.keyId : query.assignee,
        overdue: query.overdue === undefined ? undefined : { is: query.overdue, now },
        createdBefore: query.olderThanMinutes === undefined ? undefined : new Date(now.getTime() - query.olderThanMinutes * 60_000),
        afterId: query.cursor,
      },
      query.limit + 1,
    );
    const page = rows.slice(0, query.limit);
    return { items: page.map((row) => toCaseView(row, now)), nextCursor: rows.length > query.limit ? page[page.length - 1].id : null };
  }

  async get(id: string, caller: Principal): Promise<CaseDetail> {
    const found = UUID_PATTERN.test(id) ? await this.cases.find(id) : undefined;
    // Another use case's case does not exist for this key, as its decision does not.
    if (!found || !mayUseCase(caller, found.row.useCase)) throw new NotFoundError(UUID_PATTERN.test(id) ? `case ${id} not found` : 'case not found');
    const decision = await this.decisions.get(found.row.decisionId, caller);
    return { ...toCaseView(found.row, this.clock.now()), events: found.events.map(toCaseEventView), decision };
  }

  /** Takes an open case; claiming one's own claim again changes nothing. */
  async claim(id: string, caller: Principal): Promise<CaseDetail> {
    const current = await this.get(id, caller);
    if (current.status === 'claimed' && current.assignee === caller.keyId) return current;
    this.refuseUnless(current, ['open'], 'claim');
    const at = this.clock.now();
    return this.apply(current, caller, 'claimed', { expected: { status: ['open'] }, data: { status: 'claimed', assigneeKeyId: caller.keyId, claimedAt: at } });
  }

  /** Gives a claimed case back to the queue: the analyst's own claim, or any claim for an admin key. */
  async release(id: string, caller: Principal): Promise<CaseDetail> {
    const current = await this.get(id, caller);
    this.refuseUnless(current, ['claimed'], 'release');
    this.refuseOthersClaim(current, caller, 'release');
    return this.apply(current, caller, 'released', {
      expected: { status: ['claimed'], assigneeKeyId: current.assignee },
      data: { status: 'open', assigneeKeyId: null, claimedAt: null },
    });
  }

  /** Adds a note to the case's audit trail, whatever its state (a resolved case may be annotated). */
  async note(id: string, caller: Principal, note: string): Promise<CaseDetail> {
    const current = await this.get(id, caller);
    return this.apply(current, caller, 'noted', { expected: { status: ['open', 'claimed', 'resolved'] }, data: {} }, { note });
  }

  /**
   * Closes the case: an open one, the analyst's own claim, or any claim for an admin key.
   * fraud and legitimate become the decision's label; inconclusive leaves it as it was.
   */
  async resolve(id: string, caller: Principal, disposition: Disposition, note?: string): Promise<CaseDetail> {
    const current = await this.get(id, caller);
    this.refuseUnless(current, ['open', 'claimed'], 'resolve');
    this.refuseOthersClaim(current, caller, 'resolve');
    const at = this.clock.now();
    return this.apply(
      current,
      caller,
      'resolved',
      {
        expected: { status: [current.status], assigneeKeyId: current.assignee },
        data: { status: 'resolved', disposition, resolvedAt: at, assigneeKeyId: current.assignee ?? caller.keyId },
        label: disposition === 'inconclusive' ? undefined : { decisionId: current.decisionId, label: disposition, at },
      },
      { note, disposition },
    );
  }

  private refuseUnless(current: CaseView, statuses: CaseStatus[], action: string): void {
    if (statuses.includes(current.status)) return;
    const why = current.status === 'resolved' ? `it is already resolved (${current.disposition})` : current.status === 'claimed' ? `it is claimed by key ${current.assignee}` : 'it is not claimed';
    throw new ConflictError(`case ${current.id} cannot be ${action === 'claim' ? 'claimed' : `${action}d`}: ${why}`);
  }

  private refuseOthersClaim(current: CaseView, caller: Principal, action: string): void {
    if (current.status !== 'claimed' || current.assignee === caller.keyId || hasScope(caller, 'admin')) return;
    throw new ConflictError(`case ${current.id} is claimed by key ${current.assignee}: only that key (or an admin key) may ${action} it`);
  }

  /** Writes the change with its audit event and webhook events; a 409 when the case changed since it was read. */
  private async apply(
    current: CaseDetail,
    caller: Principal,
    action: Exclude<CaseAction, 'opened'>,
    change: Omit<CaseChange, 'event' | 'deliveries'>,
    extra: { note?: string; disposition?: Disposition } = {},
  ): Promise<CaseDetail> {
    const at = this.clock.now();
    const event = { id: uuidv7(at.getTime()), caseId: current.id, at, action, apiKeyId: caller.keyId, note: extra.note ?? null, disposition: extra.disposition ?? null };
    const changed = await this.cases.change(current.id, {
      ...change,
      event,
      deliveries: (row: CaseRow) =>
        this.router.deliveriesFor({
          id: uuidv7(at.getTime()),
          type: EVENT_OF[action],
          occurredAt: at,
          useCase: row.useCase,
          outcome: row.outcome,
          // The case as it now is and who acted; a note's text stays in LineTrust (it may name the customer).
          data: { ...toCaseView(row, at), action, actor: caller.keyId },
        }),
    });
    if (!changed) throw new ConflictError(`case ${current.id} was changed by someone else meanwhile: read it again`);
    return this.get(current.id, caller);
  }
}
