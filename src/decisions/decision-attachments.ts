import { Injectable } from '@nestjs/common';
import { CaseEventRow, CaseRow } from '../cases/case-rows';
import { toCaseView } from '../cases/case.types';
import { uuidv7 } from '../common/ids/uuid7';
import { CompiledPolicy } from '../scoring/compiled-policy';
import { WebhookEvent, WebhookRouter } from '../webhooks/webhook-outbox';
import { AttachedRows } from './attached-rows';
import { DecisionRecord, toDecisionView } from './decision.types';

/**
 * What a decision writes besides itself, in its own transaction: the review case its outcome
 * opens (per the policy's `review` settings) and the outbox rows of its webhook events.
 */
@Injectable()
export class DecisionAttachments {
  constructor(private readonly router: WebhookRouter) {}

  /** The rows to write with `record`; undefined when there are none (most decisions). */
  for(record: DecisionRecord, policy: CompiledPolicy): AttachedRows | undefined {
    const cases: CaseRow[] = [];
    const caseEvents: CaseEventRow[] = [];
    const at = record.createdAt;
    const events: WebhookEvent[] = [];
    // Most decisions feed no subscription: their events (an id, a closure) are not even built.
    const emit = (type: WebhookEvent['type'], data: () => Record<string, unknown>): void => {
      const about = { type, useCase: record.useCase, outcome: record.outcome };
      if (!this.router.wanted(about)) return;
      events.push({
        ...about,
        id: uuidv7(at.getTime()),
        occurredAt: at,
        // Built only when the event is sent: the view is a copy of the whole decision.
        get data() {
          return data();
        },
      });
    };
    emit('decision.created', () => ({ ...toDecisionView(record) }));
    if (policy.reviewOutcomes.has(record.outcome)) {
      const opened: CaseRow = {
        id: uuidv7(at.getTime()),
        decisionId: record.id,
        useCase: record.useCase,
        outcome: record.outcome,
        score: record.score,
        status: 'open',
        assigneeKeyId: null,
        disposition: null,
        createdAt: at,
        dueAt: new Date(at.getTime() + policy.reviewSlaMs),
        claimedAt: null,
        resolvedAt: null,
      };
      cases.push(opened);
      caseEvents.push({ id: uuidv7(at.getTime()), caseId: opened.id, at, action: 'opened', apiKeyId: null, note: null, disposition: null });
      emit('case.opened', () => ({ ...toCaseView(opened, at) }));
    }
    const deliveries = events.flatMap((e) => this.router.deliveriesFor(e));
    if (cases.length === 0 && deliveries.length === 0) return undefined;
    return { cases, caseEvents, deliveries };
  }
}
