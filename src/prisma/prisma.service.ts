import { join } from 'node:path';
import { Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { PrismaBetterSQLite3 } from '@prisma/adapter-better-sqlite3';
import { PrismaPg } from '@prisma/adapter-pg';
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
 * How long a SQLite statement waits for another process's lock (the CLI's, a second instance's)
 * before failing SQLITE_BUSY. better-sqlite3 waits synchronously, freezing the whole process, so
 * no longer than a decision may wait for its write: its default, 5 s, held every request (health
 * checks too) for five times a decision's write budget.
 */
export function sqliteBusyTimeoutMs(config: Pick<AppConfig, 'DECISION_WRITE_BUDGET_MS'>): number {
  return Math.min(5000, config.DECISION_WRITE_BUDGET_MS);
}

function createClient(target: DatabaseTarget, config: AppConfig): DbClient {
  if (target.provider === 'sqlite') {
    const adapter = new PrismaBetterSQLite3({ url: target.file, timeout: sqliteBusyTimeoutMs(config) });
    return new SqliteClient({ adapter: new SerializedSqliteAdapterFactory(adapter) });
  }
  const adapter = new PrismaPg(
    { connectionString: target.connectionString, options: `-c search_path="${target.schema}"` },
    { schema: target.schema },
  );
  return new PostgresClient({ adapter }) as unknown as DbClient;
}

/** Opens the database chosen by DATABASE_URL and brings its schema up to date first. */
@Injectable()
export class PrismaService implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(PrismaService.name);
  readonly target: DatabaseTarget;
  readonly client: DbClient;
  /** Resolves once migrations are applied: writers from other modules' start-up wait on it. */
  readonly ready: Promise<void>;
  private markReady!: () => void;

  constructor(config: AppConfig) {
    this.target = parseDatabaseUrl(config.DATABASE_URL);
    this.client = createClient(this.target, config);
    this.ready = new Promise((resolve) => (this.markReady = resolve));
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
    await this.client.$disconnect();
  }
}
