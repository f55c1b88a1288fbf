import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { Injectable } from '@nestjs/common';
import { firstUuidv7At } from '../common/ids/uuid7';
import { PrismaService } from '../prisma/prisma.service';

export interface BatchOptions {
  /** Rows per delete statement (RETENTION_BATCH_SIZE). */
  batchSize: number;
  /** Stops between two batches (shutdown); what was deleted so far stays deleted and counted. */
  signal?: AbortSignal;
}

export interface RemovedCounts {
  decisions: number;
  idempotencyKeys: number;
}

/** Whose decisions an erasure removes: a number (by its keyed hash) or a caller's subject. */
export type ErasureWhere = { phoneNumberHash: string } | { subjectId: string };

/**
 * Prisma's SQLite adapter refuses a statement with more than 999 bound values (and does not
 * split a deleteMany's `in` list itself), so id lists are sent in slices of this size.
 */
const IDS_PER_STATEMENT = 500;

function slices<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let at = 0; at < items.length; at += size) out.push(items.slice(at, at + size));
  return out;
}

/** The only code of the privacy module that touches the database: batched deletes. */
@Injectable()
export class PrivacyRepository {
  constructor(private readonly prisma: PrismaService) {}

  /** Deletes the decisions made before `cutoff`, oldest first, with their idempotency records. */
  purgeDecisionsBefore(cutoff: Date, options: BatchOptions): Promise<RemovedCounts> {
    return this.deleteDecisions({ id: { lt: firstUuidv7At(cutoff) } }, options);
  }

  /** Deletes every decision of a phone number or subject, with their idempotency records. */
  eraseDecisions(where: ErasureWhere, options: BatchOptions): Promise<RemovedCounts> {
    return this.deleteDecisions(where, options);
  }

  /**
   * Deletes the operator answers about a number in the shared signal cache (FLEET_STATE=
   * database): from here, so that the CLI, which has no signal gateway, clears them too.
   */
  async forgetCachedAnswers(phoneNumberHash: string): Promise<number> {
    await this.prisma.ready;
    return (await this.prisma.client.signalCacheEntry.deleteMany({ where: { subjectHash: phoneNumberHash } })).count;
  }

  /**
   * Deletes idempotency records created before `createdBefore`, oldest first. Their primary
   * key has two columns, so a batch is the range up to the batch's newest createdAt (on its
   * index) rather than a list of keys; ties at that instant go in the same batch.
   */
  async purgeIdempotencyKeysBefore(createdBefore: Date, options: BatchOptions): Promise<number> {
    await this.prisma.ready;
    const records = this.prisma.client.idempotencyRecord;
    let removed = 0;
    for (;;) {
      const batch = await records.findMany({
        where: { createdAt: { lt: createdBefore } },
        orderBy: { createdAt: 'asc' },
        take: options.batchSize,
        select: { createdAt: true },
      });
      if (batch.length === 0) break;
      const upTo = batch[batch.length - 1].createdAt;
      removed += (await records.deleteMany({ where: { createdAt: { lt: createdBefore, lte: upTo } } })).count;
      if (batch.length < options.batchSize || options.signal?.aborted) break;
      await yieldToEventLoop();
    }
    return removed;
  }

  /**
   * Selects a batch of ids in id order (on an index: the primary key, or the (phoneNumberHash,
   * id) and (subjectId, id) indexes), deletes exactly those decisions and the idempotency
   * records that point at them in one transaction, then lets live requests run before the next
   * batch. A batch smaller than the batch size was the last.
   */
  private async deleteDecisions(where: { id: { lt: string } } | ErasureWhere, options: BatchOptions): Promise<RemovedCounts> {
    await this.prisma.ready;
    const client = this.prisma.client;
    const removed: RemovedCounts = { decisions: 0, idempotencyKeys: 0 };
    for (;;) {
      const batch = await client.decision.findMany({ where, orderBy: { id: 'asc' }, take: options.batchSize, select: { id: true } });
      if (batch.length === 0) break;
      const parts = slices(
        batch.map((row) => row.id),
        IDS_PER_STATEMENT,
      );
      // The review cases go with their decisions (a case is written with its decision, so the
      // batch's cases exist already), their audit trail with them.
      const caseIds = slices(
        (await Promise.all(parts.map((ids) => client.case.findMany({ where: { decisionId: { in: ids } }, select: { id: true } })))).flat().map((row) => row.id),
        IDS_PER_STATEMENT,
      );
      // Idempotency records first: one left pointing at a deleted decision would replay nothing.
      const results = await client.$transaction([
        ...parts.map((ids) => client.idempotencyRecord.deleteMany({ where: { decisionId: { in: ids } } })),
        ...parts.map((ids) => client.decision.deleteMany({ where: { id: { in: ids } } })),
        ...caseIds.map((ids) => client.caseEvent.deleteMany({ where: { caseId: { in: ids } } })),
        ...caseIds.map((ids) => client.case.deleteMany({ where: { id: { in: ids } } })),
      ]);
      results.forEach((result, index) => {
        if (index < parts.length) removed.idempotencyKeys += result.count;
        else if (index < 2 * parts.length) removed.decisions += result.count;
      });
      if (batch.length < options.batchSize || options.signal?.aborted) break;
      await yieldToEventLoop();
    }
    return removed;
  }
}
