// Prisma CLI configuration for the PostgreSQL schema (generate, migrate deploy/diff/status).
// The service applies migrations itself at start-up (src/prisma/migrator.ts); this file is for
// developers running the Prisma CLI against PostgreSQL.
import { randomUUID } from 'node:crypto';
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

/**
 * Workaround for the shadow database of `migrate diff --from-migrations` / `migrate dev`
 * (6.19.3): the adapter creates a shadow database and connects to it with
 * `{ ...config, database }`, but pg lets a `connectionString` override `database`, so the
 * migrations were replayed on the main database ("relation already exists", or tables left
 * behind). Discrete connection parameters make `database` count; and the shadow database is
 * dropped only after its own pool has closed (the adapter drops it first, which fails with
 * "being accessed by other users").
 */
function discreteConfig(connectionString: string) {
  const parsed = new URL(connectionString);
  return {
    host: parsed.hostname,
    port: Number(parsed.port || 5432),
    user: decodeURIComponent(parsed.username) || undefined,
    password: decodeURIComponent(parsed.password) || undefined,
    database: parsed.pathname.slice(1) || undefined,
    // The pool's idle timers would otherwise keep the CLI alive for about 60 s.
    allowExitOnIdle: true,
  };
}
const schema = new URL(url).searchParams.get('schema') ?? undefined;

class ShadowSafePg extends PrismaPg {
  override async connectToShadowDb() {
    const config = discreteConfig(url);
    const main = await new PrismaPg(config).connect();
    const database = `linetrust_shadow_${randomUUID().replace(/-/g, '')}`;
    await main.executeScript(`CREATE DATABASE "${database}"`);
    const shadow = await new PrismaPg({ ...config, database }).connect();
    const dispose = shadow.dispose.bind(shadow);
    shadow.dispose = async () => {
      await dispose();
      await main.executeScript(`DROP DATABASE IF EXISTS "${database}"`);
      await main.dispose();
    };
    return shadow;
  }
}

export default defineConfig({
  experimental: { adapter: true },
  engine: 'js',
  schema: path.join(__dirname),
  migrations: { path: path.join(__dirname, 'migrations') },
  async adapter() {
    return new ShadowSafePg(discreteConfig(url), { schema });
  },
});
