// Prisma CLI configuration for the PostgreSQL schema (generate, migrate deploy/diff/status).
// The service applies migrations itself at start-up (src/prisma/migrator.ts); this file is for
// developers running the Prisma CLI against PostgreSQL.
import path from 'node:path';
import { PrismaPg } from '@prisma/adapter-pg';
import pg from 'pg';
import { defineConfig } from 'prisma/config';

process.env.DATABASE_URL ??= 'postgresql://postgres@127.0.0.1:5432/test';
const url = process.env.DATABASE_URL;

// Workaround for prisma/orm#27403 (6.19.3): the JS schema engine cannot deserialize columns of
// type `name` (OID 19) or `char` (OID 18), which its own catalogue queries return, so every
// migrate command fails with "Column type 'name' could not be deserialized". Report them as
// `text` (OID 25), which carries the same string. CLI only, never in the runtime path.
const query = pg.Query.prototype as unknown as { handleRowDescription(msg: { fields: { dataTypeID: number }[] }): void };
const handleRowDescription = query.handleRowDescription;
query.handleRowDescription = function (msg) {
  for (const field of msg.fields) if (field.dataTypeID === 18 || field.dataTypeID === 19) field.dataTypeID = 25;
  return handleRowDescription.call(this, msg);
};

export default defineConfig({
  experimental: { adapter: true },
  engine: 'js',
  schema: path.join(__dirname),
  migrations: { path: path.join(__dirname, 'migrations') },
  async adapter() {
    // allowExitOnIdle: the pool's idle timers would otherwise keep the CLI alive ~60 s.
    return new PrismaPg({ connectionString: url, allowExitOnIdle: true });
  },
});
