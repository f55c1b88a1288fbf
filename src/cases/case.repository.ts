import { Injectable } from '@nestjs/common';
import { PrismaService } from '../prisma/prisma.service';
import { DeliveryRow } from '../webhooks/webhook-outbox';
import { CaseEventRow, CaseRow, CaseStatus } from './case-rows';

export interface CaseFilter {
  status?: CaseStatus;
  /** one use case, or any of a list (the use cases an API key may read) */
  useCase?: string | readonly string[];
  assigneeKeyId?: string;
  /** true: not resolved and due at or before `now`; false: resolved, or due after `now` */
  overdue?: { is: boolean; now: Date };
  /** opened before this instant (the queue's age filter) */
  createdBefore?: Date;
  /** ids after this one (the queue is oldest first) */
  afterId?: string;
}

/** A case's change: the state it must still be in (checked in the write), its new fields, and what is written with it. */
export interface CaseChange {
  expected: { status: CaseStatus[]; assigneeKeyId?: string | null };
  data: Partial<Pick<CaseRow, 'status' | 'assigneeKeyId' | 'disposition' | 'claimedAt' | 'resolvedAt'>>;
  event: CaseEventRow;
  /** the decision's label, when a resolution sets one */
  label?: { decisionId: string; label: string; at: Date };
  deliveries: (changed: CaseRow) => DeliveryRow[];
}

/** The only place cases meet the database. */
@Injectable()
export class CaseRepository {
  constructor(private readonly prisma: PrismaService) {}

  list(filter: CaseFilter, take: number): Promise<CaseRow[]> {
    const useCase = typeof filter.useCase === 'string' ? filter.useCase : filter.useCase ? { in: [...filter.useCase] } : undefined;
    const overdue = filter.overdue;
    return this.prisma.client.case.findMany({
      where: {
        status: filter.status,
        useCase,
        assigneeKeyId: filter.assigneeKeyId,
        createdAt: filter.createdBefore ? { lt: filter.createdBefore } : undefined,
        id: filter.afterId ? { gt: filter.afterId } : undefined,
        AND: overdue
          ? [overdue.is ? { status: { not: 'resolved' }, dueAt: { lte: overdue.now } } : { OR: [{ status: 'resolved' }, { dueAt: { gt: overdue.now } }] }]
          : [],
      },
      orderBy: { id: 'asc' },
      take,
    });
  }

  async find(id: string): Promise<{ row: CaseRow; events: CaseEventRow[] } | undefined> {
    const row = await this.prisma.client.case.findUnique({ where: { id } });
    if (!row) return undefined;
    const events = await this.prisma.client.caseEvent.findMany({ where: { caseId: id }, orderBy: { id: 'asc' } });
    return { row, events };
  }

  findByDecision(decisionId: string): Promise<CaseRow | null> {
    return this.prisma.client.case.findUnique({ where: { decisionId } });
  }

  /**
   * Applies a change if the case is still in the expected state, with its audit event, the
   * decision's label and the outbox rows of its webhook events, in one transaction. Undefined
   * (nothing written) when another analyst or instance changed the case first.
   */
  async change(id: string, change: CaseChange): Promise<CaseRow | undefined> {
    return this.prisma.client.$transaction(async (tx) => {
      const where = { id, status: { in: change.expected.status }, ...('assigneeKeyId' in change.expected ? { assigneeKeyId: change.expected.assigneeKeyId } : {}) };
      // A note changes no field: the check is then a read in the transaction.
      const { count } = Object.keys(change.data).length > 0 ? await tx.case.updateMany({ where, data: change.data }) : { count: await tx.case.count({ where }) };
      if (count !== 1) return undefined;
      const changed = await tx.case.findUniqueOrThrow({ where: { id } });
      await tx.caseEvent.create({ data: change.event });
      if (change.label) {
        await tx.decision.update({ where: { id: change.label.decisionId }, data: { label: change.label.label, labeledAt: change.label.at } });
      }
      const deliveries = change.deliveries(changed);
      if (deliveries.length > 0) await tx.webhookDelivery.createMany({ data: deliveries });
      return changed;
    });
  }
}
