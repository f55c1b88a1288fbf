import { PrismaService } from '../prisma/prisma.service';
import { CommitListeners } from './commit-listeners';
import { PostgresDecisionWriter } from './postgres-decision-writer';
import { SqliteDecisionWriter } from './sqlite-decision-writer';

export type RowWriter = SqliteDecisionWriter | PostgresDecisionWriter;

const writers = new WeakMap<PrismaService, RowWriter>();
const listeners = new WeakMap<PrismaService, CommitListeners>();

/** Who is told of the commits of the writer of `prisma`'s database, before that writer exists (it is made at the first write). */
export function commitListenersFor(prisma: PrismaService): CommitListeners {
  let found = listeners.get(prisma);
  if (!found) listeners.set(prisma, (found = new CommitListeners()));
  return found;
}

/**
 * The decision path's prepared-statement writer: on SQLite a thread with its own connection, on
 * PostgreSQL Prisma's pool. One per database client, shared by the decisions' and the claims'
 * group commits: on SQLite, two writer connections would only wait for each other's lock.
 */
export function rowWriterFor(prisma: PrismaService): RowWriter {
  let writer = writers.get(prisma);
  if (writer) return writer;
  if (prisma.target.provider === 'sqlite') {
    const sqlite = new SqliteDecisionWriter({ file: prisma.target.file, busyTimeoutMs: prisma.sqliteBusyTimeoutMs }, commitListenersFor(prisma));
    prisma.beforeDisconnect(() => sqlite.close());
    void prisma.ready.then(() => sqlite.warmUp());
    writer = sqlite;
  } else if (prisma.pool) {
    writer = new PostgresDecisionWriter(prisma.pool, commitListenersFor(prisma));
  } else {
    throw new Error('PrismaService opened neither a SQLite connection nor a PostgreSQL pool');
  }
  writers.set(prisma, writer);
  return writer;
}
