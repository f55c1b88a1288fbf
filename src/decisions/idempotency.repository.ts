import { Injectable } from '@nestjs/common';
import { GroupCommit } from '../common/batching/group-commit';
import { PrismaService } from '../prisma/prisma.service';
import { ClaimWrite } from './decision-rows';
import { RowWriter, rowWriterFor } from './row-writer';

export interface IdempotencyClaim {
  apiKeyId: string;
  key: string;
  requestHash: string;
  decisionId: string | null;
  createdAt: Date;
}

/** The only code that reads and writes Idempotency-Key records. */
@Injectable()
export class IdempotencyRepository {
  /**
   * Claims are on the decision path: concurrent ones share a transaction (one commit, one
   * fsync on SQLite) through prepared statements, as decisions do, instead of a Prisma create
   * each (about 1 ms of CPU and a commit of its own).
   */
  private readonly inserts = new GroupCommit<ClaimWrite>(
    (batch, attempt) => this.rows.insertClaims(batch, attempt),
    (one, attempt) => this.rows.insertClaims([one], attempt),
  );
  private writer?: RowWriter;

  constructor(private readonly prisma: PrismaService) {}

  /** Made on first use: Prisma's connection or pool exists once `prisma.ready` has resolved. */
  private get rows(): RowWriter {
    return (this.writer ??= rowWriterFor(this.prisma));
  }

  /** Claims the key for a new request (pending, no decision yet); false when a record for it exists already. */
  async claim(claim: IdempotencyClaim): Promise<boolean> {
    await this.prisma.ready;
    const write: ClaimWrite = { claim };
    await this.inserts.write(write);
    return write.inserted === true;
  }

  async find(apiKeyId: string, key: string): Promise<IdempotencyClaim | undefined> {
    const row = await this.prisma.client.idempotencyRecord.findUnique({ where: { apiKeyId_key: { apiKeyId, key } } });
    return row ?? undefined;
  }

  /**
   * Removes a claim still waiting for its decision, only if it is still the one described
   * (same creation time): a claim completed or taken over meanwhile is left alone.
   */
  async releasePending(apiKeyId: string, key: string, createdAt: Date): Promise<void> {
    await this.prisma.client.idempotencyRecord.deleteMany({ where: { apiKeyId, key, createdAt, decisionId: null } });
  }

  /** Removes a claim whatever its state: it has expired, or its decision was erased. */
  async forget(apiKeyId: string, key: string, createdAt: Date): Promise<void> {
    await this.prisma.client.idempotencyRecord.deleteMany({ where: { apiKeyId, key, createdAt } });
  }
}
