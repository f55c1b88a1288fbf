import { PrismaService } from '../prisma/prisma.service';
import { PostgresDecisionWriter } from './postgres-decision-writer';
import { SqliteDecisionWriter } from './sqlite-decision-writer';

export type RowWriter = SqliteDecisionWriter | PostgresDecisionWriter;

const writers = new WeakMap<PrismaService, RowWriter>();

/**
 * The decision path's prepared-statement writer: on SQLite a thread with its own connection, on
 * PostgreSQL Prisma's pool. One per database client, shared by the decisions' and the claims'
 * group commits: on SQLite, two writer connections would only wait for each other's lock.
 */
export function rowWriterFor(prisma: PrismaService): RowWriter {
  let writer = writers.get(prisma);
  if (writer) return writer;
  if (prisma.target.provider === 'sqlite') {
    const sqlite = new SqliteDecisionWriter({ file: prisma.target.file, busyTimeoutMs: prisma.sqliteBusyTimeoutMs });
    prisma.beforeDisconnect(() => sqlite.close());
    void prisma.ready.then(() => sqlite.warmUp());
    writer = sqlite;
  } else if (prisma.pool) {
    writer = new PostgresDecisionWriter(prisma.pool);
  } else {
    throw new Error('PrismaService opened neither a SQLite connection nor a PostgreSQL pool');
  }
  writers.set(prisma, writer);
  return writer;
}
