import { Injectable } from '@nestjs/common';
import { PrismaService } from '../prisma/prisma.service';

export interface StoredPolicyVersion {
  policyId: string;
  version: string;
  content: string;
  firstLoadedAt: Date;
}

/** The only place policy versions meet the database. */
@Injectable()
export class PolicyVersionRepository {
  constructor(private readonly prisma: PrismaService) {}

  /**
   * Records a version the first time it is loaded; later loads of the same text change nothing.
   * Insert-or-ignore in one statement: instances of a fleet store the same version at the same
   * moment (start-up, a publish), and the one that comes second must not fail (a read-then-create
   * upsert did, on its unique constraint).
   */
  async record(policyId: string, version: string, content: string, loadedAt: Date): Promise<void> {
    await this.prisma.ready;
    await this.prisma.client.$executeRaw`
      INSERT INTO "PolicyVersion" ("policyId", "version", "content", "firstLoadedAt")
      VALUES (${policyId}, ${version}, ${content}, ${loadedAt})
      ON CONFLICT ("policyId", "version") DO NOTHING`;
  }

  /** Every version of a policy, newest first, without their text. */
  async history(policyId: string): Promise<Omit<StoredPolicyVersion, 'content'>[]> {
    return this.prisma.client.policyVersion.findMany({
      where: { policyId },
      select: { policyId: true, version: true, firstLoadedAt: true },
      orderBy: { firstLoadedAt: 'desc' },
    });
  }

  async find(policyId: string, version: string): Promise<StoredPolicyVersion | undefined> {
    const row = await this.prisma.client.policyVersion.findUnique({ where: { policyId_version: { policyId, version } } });
    return row ?? undefined;
  }
}
