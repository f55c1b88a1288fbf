import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { Injectable } from '@nestjs/common';
import { GroupCommit } from '../common/batching/group-commit';
import { Deadline } from '../common/batching/write-attempt';
import { firstUuidv7At } from '../common/ids/uuid7';
import { PrismaService } from '../prisma/prisma.service';
import { Action } from '../scoring/actions';
import { Label, StoredDecision } from '../scoring/backtest';
import { emptyCounts } from '../scoring/outcome';
import { AttachedRows, DecisionWrite } from './attached-rows';
import { Claim, fromRow, toRow } from './decision-rows';
import { PostgresReplayReader, ReplayRange, SqliteReplayReader } from './decision-replay-reader';
import { RowWriter, rowWriterFor } from './row-writer';
import { DecisionFilter, DecisionRecord } from './decision.types';


/** The only place decisions meet the database. */
@Injectable()
export class DecisionRepository {
  private readonly writer: GroupCommit<DecisionWrite>;

  private writerOfRows?: RowWriter;
  private readerOfReplays?: SqliteReplayReader | PostgresReplayReader;

  constructor(private readonly prisma: PrismaService) {
    this.writer = new GroupCommit<DecisionWrite>(
      (batch, attempt) => this.rows.insertMany(batch, attempt),
      (write, attempt) => this.rows.insertMany([write], attempt),
    );
  }

  /** The decision path's writes: prepared statements on Prisma's own connection or pool. */
  private get rows(): RowWriter {
    return (this.writerOfRows ??= rowWriterFor(this.prisma));
  }

  /** A backtest's reads: prepared statements on Prisma's connection or pool, like the writes. */
  private get replays(): SqliteReplayReader | PostgresReplayReader {
    if (this.readerOfReplays) return this.readerOfReplays;
    if (this.prisma.sqlite) return (this.readerOfReplays = new SqliteReplayReader(this.prisma.sqlite));
    if (this.prisma.pool) return (this.readerOfReplays = new PostgresReplayReader(this.prisma.pool));
    throw new Error('PrismaService opened neither a SQLite connection nor a PostgreSQL pool');
  }

  /**
   * Resolves once the decision is committed (possibly in one write with concurrent ones).
   * Rejects with DeadlineExceededError when it was not committed by `deadline` and never will be.
   */
  insert(record: DecisionRecord, deadline?: Deadline, attached?: AttachedRows): Promise<void> {
    return this.writer.write({ decision: toRow(record), attached }, deadline);
  }

  /**
   * Stores a decision made under an Idempotency-Key claim, in one transaction with the claim's
   * link to it: either both are written or neither. False, and nothing written, when the claim
   * is no longer this request's (another instance took over a claim it judged abandoned).
   * Rejects with DeadlineExceededError when not committed by `deadline` (then neither is written).
   */
  async insertClaimed(record: DecisionRecord, claim: Claim, deadline?: Deadline, attached?: AttachedRows): Promise<boolean> {
    // In the same group commit as plain decisions: a claimed write used to be a transaction
    // (and an fsync) of its own, which made Idempotency-Key decisions 4x slower (issue 13).
    const write: DecisionWrite = { decision: toRow(record), attached, claim };
    await this.writer.write(write, deadline);
    return write.linked === true;
  }

  async findById(id: string): Promise<DecisionRecord | undefined> {
    const row = await this.prisma.client.decision.findUnique({ where: { id } });
    return row ? fromRow(row) : undefined;
  }

  /** Stores a shadow candidate's verdict on a decision already written. */
  async setShadow(id: string, shadow: NonNullable<DecisionRecord['shadow']>): Promise<void> {
    await this.prisma.client.decision.update({
      where: { id },
      data: {
        shadowPolicyVersion: shadow.policyVersion,
        shadowOutcome: shadow.outcome,
        shadowScore: shadow.score,
        shadowReasons: JSON.stringify(shadow.reasons),
      },
    });
  }

  /** Records what a decision turned out to be; false when there is no such decision. */
  async label(id: string, label: Label, at: Date): Promise<boolean> {
    const { count } = await this.prisma.client.decision.updateMany({ where: { id }, data: { label, labeledAt: at } });
    return count > 0;
  }

  /**
   * Up to `take` decisions of `range` with an id above `after` ('' for the first page), oldest
   * first, as much of each as a replay needs: a keyset page (see decision-replay-reader.ts).
   */
  replayPage(range: ReplayRange, after: string, take: number): Promise<StoredDecision[]> {
    return this.replays.page(range, after, take);
  }

  async count(useCase: string, from?: Date, to?: Date): Promise<number> {
    return this.prisma.client.decision.count({ where: { useCase, createdAt: { gte: from, lt: to } } });
  }

  /** Decisions per (active outcome, shadow outcome) for each candidate version of a use case. */
  async shadowCounts(useCase: string, from?: Date, to?: Date): Promise<{ version: string; outcome: string; shadowOutcome: string; count: number }[]> {
    const groups = await this.prisma.client.decision.groupBy({
      by: ['shadowPolicyVersion', 'outcome', 'shadowOutcome'],
      where: { useCase, shadowPolicyVersion: { not: null }, createdAt: { gte: from, lt: to } },
      _count: { _all: true },
    });
    return groups.map((g) => ({
      version: g.shadowPolicyVersion as string,
      outcome: g.outcome,
      shadowOutcome: g.shadowOutcome as string,
      count: g._count._all,
    }));
  }

  /** Newest first; `cursor` is the id of the last decision of the previous page. */
  async list(filter: DecisionFilter, limit: number, cursor?: string): Promise<DecisionRecord[]> {
    const { useCase, from, to, ...columns } = filter;
    const rows = await this.prisma.client.decision.findMany({
      where: { ...columns, useCase: useCaseWhere(useCase), ...timeWhere(from, to, cursor) },
      orderBy: { id: 'desc' },
      take: limit,
    });
    return rows.map(fromRow);
  }

  /**
   * Decisions per outcome in each of `buckets` consecutive periods of `bucketMs` from `from`.
   * One grouped count per period: no date function of either SQL dialect is needed (createdAt
   * is stored differently by SQLite and PostgreSQL, so one query grouping by period would need
   * raw SQL per provider), and each count walks an index range (see timeWhere) instead of
   * reading the rows. The counts run one after another, with a turn of the event loop between
   * two: a request asking for 200 buckets must not queue 200 queries at once ahead of live
   * decisions (SQLite has one connection; PostgreSQL's pool is small), which then waited for
   * all of them (10 ms became 4 s under 20 such requests).
   */
  async outcomeCounts(useCase: DecisionFilter['useCase'], from: Date, bucketMs: number, buckets: number): Promise<{ start: Date; counts: Record<Action, number> }[]> {
    const result: { start: Date; counts: Record<Action, number> }[] = [];
    for (let index = 0; index < buckets; index++) {
      if (index > 0) await yieldToEventLoop();
      const start = new Date(from.getTime() + index * bucketMs);
      const groups = await this.prisma.client.decision.groupBy({
        by: ['outcome'],
        where: { useCase: useCaseWhere(useCase), ...timeWhere(start, new Date(start.getTime() + bucketMs)) },
        _count: { _all: true },
      });
      const counts = emptyCounts();
      for (const group of groups) if (group.outcome in counts) counts[group.outcome as Action] = group._count._all;
      result.push({ start, counts });
    }
    return result;
  }

  /** Decisions per score of a time range: at most 101 groups (scores are 0 to 100). */
  async scoreCounts(useCase: DecisionFilter['useCase'], from: Date, to: Date): Promise<{ score: number; count: number }[]> {
    const groups = await this.prisma.client.decision.groupBy({
      by: ['score'],
      where: { useCase: useCaseWhere(useCase), ...timeWhere(from, to) },
      _count: { _all: true },
    });
    return groups.map((g) => ({ score: g.score, count: g._count._all }));
  }

  /**
   * The reasons of the decisions of [from, to), newest first, `pageSize` at a time (a keyset page
   * on the id, read only as far as the caller goes), with a turn of the event loop between two
   * pages so that live decisions are not queued behind a long read.
   */
  async *reasonPages(useCase: DecisionFilter['useCase'], from: Date, to: Date, pageSize: number): AsyncGenerator<ReasonRow[]> {
    let cursor: string | undefined;
    for (;;) {
      const rows = await this.prisma.client.decision.findMany({
        where: { useCase: useCaseWhere(useCase), ...timeWhere(from, to, cursor) },
        select: { id: true, createdAt: true, useCase: true, reasons: true },
        orderBy: { id: 'desc' },
        take: pageSize,
      });
      if (rows.length > 0) yield rows;
      if (rows.length < pageSize) return;
      cursor = rows[rows.length - 1].id;
      await yieldToEventLoop();
    }
  }
}

/** What a rule-hit count reads of a decision. */
export interface ReasonRow {
  createdAt: Date;
  useCase: string;
  reasons: string;
}

function useCaseWhere(useCase: DecisionFilter['useCase']): string | { in: string[] } | undefined {
  return typeof useCase === 'string' || useCase === undefined ? useCase : { in: [...useCase] };
}

/**
 * The where clause of a time range [from, to), and of a page cursor (an exclusive upper id).
 * createdAt is the filter; the id bounds say the same of the primary key, since ids are UUIDv7
 * made from createdAt: the database then walks the (useCase, id), (outcome, id) or primary key
 * index rather than scanning the table (there is no index on createdAt).
 */
function timeWhere(from: Date | undefined, to: Date | undefined, cursor?: string): { createdAt?: { gte?: Date; lt?: Date }; id?: { gte?: string; lt?: string } } {
  const uppers = [cursor, to && firstUuidv7At(to)].filter((id): id is string => id !== undefined);
  const upper = uppers.length > 0 ? uppers.reduce((a, b) => (a < b ? a : b)) : undefined;
  const id = { ...(from ? { gte: firstUuidv7At(from) } : {}), ...(upper !== undefined ? { lt: upper } : {}) };
  return {
    ...(from || to ? { createdAt: { gte: from, lt: to } } : {}),
    ...(Object.keys(id).length > 0 ? { id } : {}),
  };
}
