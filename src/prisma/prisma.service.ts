import { join } from 'node:path';
import { Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { PrismaPg } from '@prisma/adapter-pg';
import { Pool } from 'pg';
import { AppConfig } from '../config/app-config';
import { PACKAGE_ROOT } from '../config/package-root';
import { PrismaClient as PostgresClient } from './generated/postgres/client';
import { PrismaClient as SqliteClient } from './generated/sqlite/client';
import { DatabaseTarget, parseDatabaseUrl } from './database-url';
import { applyMigrations, readMigrations } from './migrator';
import { SerializedSqliteAdapterFactory } from './serialized-sqlite-adapter';

/**
 * The application's view of the database client. The SQLite and PostgreSQL clients are generated
 * from the same models and have the same runtime API, but their types are not mutually
 * assignable, so the application is typed against one of them.
 */
export type DbClient = SqliteClient;

/**
 * How long a SQLite statement waits for another connection's lock (the writer thread's, the
 * CLI's, a second instance's) before failing SQLITE_BUSY: no longer than a decision may wait for
 * its write. Prisma's connection now waits without blocking the event loop, but its other
 * queries queue behind the waiting one; better-sqlite3's default, 5 s, once held every request
 * (health checks too) for five times a decision's write budget.
 */
export function sqliteBusyTimeoutMs(config: Pick<AppConfig, 'DECISION_WRITE_BUDGET_MS'>): number {
  return Math.min(5000, config.DECISION_WRITE_BUDGET_MS);
}

function createClient(target: DatabaseTarget, config: AppConfig): { client: DbClient; sqlite?: SerializedSqliteAdapterFactory; pool?: Pool } {
  if (target.provider === 'sqlite') {
    const sqlite = new SerializedSqliteAdapterFactory(target.file, { busyTimeoutMs: sqliteBusyTimeoutMs(config) });
    return { client: new SqliteClient({ adapter: sqlite }), sqlite };
  }
  // Our pool, handed to Prisma: the decision path's prepared statements use it too. Prisma ends it on disconnect.
  const pool = new Pool({ connectionString: target.connectionString, options: `-c search_path="${target.schema}"` });
  const adapter = new PrismaPg(pool, { schema: target.schema, disposeExternalPool: true });
  return { client: new PostgresClient({ adapter }) as unknown as DbClient, pool };
}

/** Opens the database chosen by DATABASE_URL and brings its schema up to date first. */
@Injectable()
export class PrismaService implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(PrismaService.name);
  readonly target: DatabaseTarget;
  readonly client: DbClient;
  /** SQLite only: Prisma's connection, for the decision path's prepared statements. */
  readonly sqlite?: SerializedSqliteAdapterFactory;
  /** PostgreSQL only: Prisma's pool, for the decision path's prepared statements. */
  readonly pool?: Pool;
  /** SQLite only: how long a statement waits for another connection's write lock. */
  readonly sqliteBusyTimeoutMs: number;
  /** Resolves once migrations are applied: writers from other modules' start-up wait on it. */
  readonly ready: Promise<void>;
  private markReady!: () => void;
  private readonly disconnectHooks: (() => Promise<void>)[] = [];

  constructor(config: AppConfig) {
    this.target = parseDatabaseUrl(config.DATABASE_URL);
    ({ client: this.client, sqlite: this.sqlite, pool: this.pool } = createClient(this.target, config));
    this.sqliteBusyTimeoutMs = sqliteBusyTimeoutMs(config);
    this.ready = new Promise((resolve) => (this.markReady = resolve));
  }

  /** Work to finish before the client disconnects at shutdown (the SQLite writer thread's writes). */
  beforeDisconnect(hook: () => Promise<void>): void {
    this.disconnectHooks.push(hook);
  }

  async onModuleInit(): Promise<void> {
    const folder = join(PACKAGE_ROOT, 'prisma', this.target.provider, 'migrations');
    const applied = await applyMigrations(this.target, readMigrations(folder));
    if (applied.length > 0) this.logger.log(`applied migrations: ${applied.join(', ')}`);
    await this.client.$connect();
    if (this.target.provider === 'sqlite') {
      // FULL: a decision that was answered survives a power loss too (NORMAL would only
      // survive a process crash). Group commit shares each fsync between concurrent decisions.
      await this.client.$executeRawUnsafe('PRAGMA synchronous = FULL');
    }
    this.logger.log(`database ready (${this.target.provider})`);
    this.markReady();
  }

  async onModuleDestroy(): Promise<void> {
    await Promise.all(this.disconnectHooks.splice(0).map((hook) => hook()));
    await this.client.$disconnect();
  }
}
