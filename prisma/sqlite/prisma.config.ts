// Prisma CLI configuration for the SQLite schema (generate, migrate deploy/diff/dev).
// Prisma 6.19 runs offline only with the JS schema engine and a driver adapter: without them
// the CLI downloads a native engine, which fails on an air-gapped machine.
import path from 'node:path';
import { PrismaBetterSQLite3 } from '@prisma/adapter-better-sqlite3';
import { defineConfig } from 'prisma/config';

// The schema's `url = env("DATABASE_URL")` must resolve even though the adapter ignores it,
// or the CLI falls back to downloading a native engine (and fails with ENOTFOUND).
process.env.DATABASE_URL ??= 'file:./data/linetrust.db';
const file = process.env.DATABASE_URL.replace(/^file:/, '');

/**
 * Workaround for Prisma 6.19.3's JS schema engine on SQLite: it replays each migration on the
 * shadow database through `executeRaw`, which runs one statement only, so any migration with
 * two or more statements fails with P3006 (`migrate diff --from-migrations`, `migrate dev`).
 * Parameterless SQL on the shadow database goes through better-sqlite3's `exec()` instead,
 * which runs a whole script. CLI only, never in the runtime path.
 */
class ShadowScriptSqlite extends PrismaBetterSQLite3 {
  override async connectToShadowDb() {
    const adapter = await super.connectToShadowDb();
    const client = (adapter as unknown as { client: { exec(sql: string): void } }).client;
    const executeRaw = adapter.executeRaw.bind(adapter);
    adapter.executeRaw = async (query) => {
      if (query.args.length > 0) return executeRaw(query);
      client.exec(query.sql);
      return 0;
    };
    return adapter;
  }
}

export default defineConfig({
  experimental: { adapter: true },
  engine: 'js',
  schema: path.join(__dirname),
  migrations: { path: path.join(__dirname, 'migrations') },
  async adapter() {
    return new ShadowScriptSqlite({ url: file });
  },
});
