import { Injectable } from '@nestjs/common';
import { PrismaService } from '../prisma/prisma.service';

export interface IdempotencyClaim {
  apiKeyId: string;
  key: string;
  requestHash: string;
  decisionId: string | null;
  createdAt: Date;
}

/** Prisma's unique-constraint error, whatever the driver adapter. */
function isUniqueViolation(error: unknown): boolean {
  return (error as { code?: unknown })?.code === 'P2002';
}

/** The only code that reads and writes Idempotency-Key records. */
@Injectable()
export class IdempotencyRepository {
  constructor(private readonly prisma: PrismaService) {}

  /** Claims the key for a new request; false when a record for it exists already. */
  async claim(claim: IdempotencyClaim): Promise<boolean> {
    await this.prisma.ready;
    try {
      await this.prisma.client.idempotencyRecord.create({ data: claim });
      return true;
    } catch (error) {
      if (isUniqueViolation(error)) return false;
      throw error;
    }
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
