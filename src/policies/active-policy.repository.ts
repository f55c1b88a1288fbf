import { Injectable } from '@nestjs/common';
import type { Prisma } from '../prisma/generated/sqlite/client';
import { PrismaService } from '../prisma/prisma.service';

/** The PostgreSQL channel an activation is announced on (LISTEN/NOTIFY), see PolicyChangeFeed. */
export const POLICY_CHANNEL = 'linetrust_policy';

/** What a NOTIFY on POLICY_CHANNEL carries. Channels are per database, so it names the schema. */
export interface PolicyChangeNotice {
  schema: string;
  policyId: string;
  revision: number;
}

/** The fleet's active version of a use case (database mode's source of truth). */
export interface ActivePolicyRow {
  policyId: string;
  version: string;
  activatedAt: Date;
  /** `key:<api key id>`, `cli` or `seed`. */
  activatedBy: string;
  revision: number;
}

export interface Activation {
  policyId: string;
  version: string;
  /** The version's text, stored with it (a publish); absent to activate a stored version (a rollback). */
  content?: string;
  by: string;
  at: Date;
}

/** The only place the ActivePolicy table meets the database. */
@Injectable()
export class ActivePolicyRepository {
  constructor(private readonly prisma: PrismaService) {}

  /**
   * Makes `version` (stored already) the active one of a use case that has none yet; false
   * when it has one. Several instances seed at once on an empty database: the first row wins,
   * the others insert nothing and read it back.
   */
  async seed(policyId: string, version: string, at: Date): Promise<boolean> {
    await this.prisma.ready;
    const inserted = await this.prisma.client.$executeRaw`
      INSERT INTO "ActivePolicy" ("policyId", "version", "activatedAt", "activatedBy", "revision")
      VALUES (${policyId}, ${version}, ${at}, ${'seed'}, ${1})
      ON CONFLICT ("policyId") DO NOTHING`;
    return inserted > 0;
  }

  /** Every use case's active version: a few rows, read at every poll. */
  async list(): Promise<ActivePolicyRow[]> {
    return this.prisma.client.activePolicy.findMany({ orderBy: { policyId: 'asc' } });
  }

  /**
   * Stores the version's text if given, then makes it the active one (revision + 1), and on
   * PostgreSQL announces it, all in one transaction: a listener woken by the NOTIFY reads the
   * committed row. Resolves to the new revision, or undefined when the version was never stored.
   * On SQLite the statements run one by one: its single connection is shared by every request,
   * and a decision written while an interactive transaction is open would join it. Each
   * statement is atomic, and a version stored without its activation is only history.
   */
  async activate(change: Activation): Promise<number | undefined> {
    await this.prisma.ready;
    const target = this.prisma.target;
    const schema = target.provider === 'postgres' ? target.schema : undefined;
    const work = async (db: Prisma.TransactionClient): Promise<number | undefined> => {
      const { policyId, version, content, by, at } = change;
      if (content !== undefined) {
        await db.$executeRaw`
          INSERT INTO "PolicyVersion" ("policyId", "version", "content", "firstLoadedAt")
          VALUES (${policyId}, ${version}, ${content}, ${at})
          ON CONFLICT ("policyId", "version") DO NOTHING`;
      } else if (!(await db.policyVersion.findUnique({ where: { policyId_version: { policyId, version } }, select: { version: true } }))) {
        return undefined;
      }
      // A native upsert (INSERT ... ON CONFLICT DO UPDATE): two activations at once get two revisions.
      const row = await db.activePolicy.upsert({
        where: { policyId },
        create: { policyId, version, activatedAt: at, activatedBy: by, revision: 1 },
        update: { version, activatedAt: at, activatedBy: by, revision: { increment: 1 } },
      });
      if (schema !== undefined) {
        const notice: PolicyChangeNotice = { schema, policyId, revision: row.revision };
        // pg_notify returns void, which Prisma cannot read back: ask for nothing.
        await db.$executeRaw`SELECT pg_notify(${POLICY_CHANNEL}, ${JSON.stringify(notice)})`;
      }
      return row.revision;
    };
    return schema !== undefined ? this.prisma.client.$transaction(work) : work(this.prisma.client);
  }
}
