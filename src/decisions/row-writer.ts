import { PrismaService } from '../prisma/prisma.service';
import { PostgresDecisionWriter } from './postgres-decision-writer';
import { SqliteDecisionWriter } from './sqlite-decision-writer';

export type RowWriter = SqliteDecisionWriter | PostgresDecisionWriter;

/** The decision path's prepared-statement writer on Prisma's own connection (SQLite) or pool (PostgreSQL). */
export function rowWriterFor(prisma: PrismaService): RowWriter {
  if (prisma.sqlite) return new SqliteDecisionWriter(prisma.sqlite);
  if (prisma.pool) return new PostgresDecisionWriter(prisma.pool);
  throw new Error('PrismaService opened neither a SQLite connection nor a PostgreSQL pool');
}
