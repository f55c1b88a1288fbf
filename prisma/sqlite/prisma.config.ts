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

export default defineConfig({
  experimental: { adapter: true },
  engine: 'js',
  schema: path.join(__dirname),
  migrations: { path: path.join(__dirname, 'migrations') },
  async adapter() {
    return new PrismaBetterSQLite3({ url: file });
  },
});
