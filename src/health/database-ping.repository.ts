import { Injectable } from '@nestjs/common';
import { PrismaService } from '../prisma/prisma.service';

/** The readiness probe's only contact with the database. */
@Injectable()
export class DatabasePingRepository {
  constructor(private readonly prisma: PrismaService) {}

  get provider(): 'sqlite' | 'postgres' {
    return this.prisma.target.provider;
  }

  /**
   * Reads at most one decision id: a single-row read, yet it proves what a decision needs
   * (a connection, and the migrated decisions table), which `SELECT 1` would not.
   */
  async ping(): Promise<void> {
    await this.prisma.ready;
    await this.prisma.client.decision.findFirst({ select: { id: true } });
  }
}
