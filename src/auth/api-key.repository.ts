import { Injectable } from '@nestjs/common';
import type { ApiKey } from '../prisma/generated/sqlite/client';
import { PrismaService } from '../prisma/prisma.service';
import { Scope } from './scopes';

export interface ApiKeyRecord {
  id: string;
  label: string;
  secretHash: string;
  scopes: Scope[];
  useCases: string[] | null;
  rateLimitPerSecond: number | null;
  createdAt: Date;
  revokedAt: Date | null;
}

function fromRow(row: ApiKey): ApiKeyRecord {
  return {
    ...row,
    scopes: JSON.parse(row.scopes) as Scope[],
    useCases: row.useCases === null ? null : (JSON.parse(row.useCases) as string[]),
  };
}

/** The only code that reads and writes API keys. */
@Injectable()
export class ApiKeyRepository {
  constructor(private readonly prisma: PrismaService) {}

  async insert(record: ApiKeyRecord): Promise<void> {
    await this.prisma.ready;
    await this.prisma.client.apiKey.create({
      data: {
        ...record,
        scopes: JSON.stringify(record.scopes),
        useCases: record.useCases === null ? null : JSON.stringify(record.useCases),
      },
    });
  }

  async findById(id: string): Promise<ApiKeyRecord | undefined> {
    await this.prisma.ready;
    const row = await this.prisma.client.apiKey.findUnique({ where: { id } });
    return row ? fromRow(row) : undefined;
  }

  async list(): Promise<ApiKeyRecord[]> {
    await this.prisma.ready;
    const rows = await this.prisma.client.apiKey.findMany({ orderBy: { createdAt: 'asc' } });
    return rows.map(fromRow);
  }

  /** How many keys can still authenticate (not revoked). */
  async countUsable(): Promise<number> {
    await this.prisma.ready;
    return this.prisma.client.apiKey.count({ where: { revokedAt: null } });
  }

  /** Ids of the keys revoked at or after `since` (on any instance): a small, frequent read. */
  async revokedSince(since: Date): Promise<string[]> {
    await this.prisma.ready;
    const rows = await this.prisma.client.apiKey.findMany({ where: { revokedAt: { gte: since } }, select: { id: true } });
    return rows.map((row) => row.id);
  }

  /** The use cases with a policy published in the database (POLICY_SOURCE=database). */
  async activePolicyIds(): Promise<string[]> {
    await this.prisma.ready;
    const rows = await this.prisma.client.activePolicy.findMany({ select: { policyId: true } });
    return rows.map((row) => row.policyId);
  }

  /** Marks the key revoked; false when there is no such key or it was revoked already. */
  async revoke(id: string, at: Date): Promise<boolean> {
    await this.prisma.ready;
    const { count } = await this.prisma.client.apiKey.updateMany({ where: { id, revokedAt: null }, data: { revokedAt: at } });
    return count === 1;
  }
}
