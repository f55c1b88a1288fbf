import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Client } from 'pg';
import { createTestDatabase, TestDatabase } from './support/test-database';

const run = promisify(execFile);
const ROOT = join(__dirname, '..');

/**
 * The committed migrations produce exactly the models (a forgotten migration fails here), and
 * the Prisma CLI works offline on this provider through prisma/<provider>/prisma.config.ts,
 * including its workarounds for Prisma 6.19.3's shadow database bugs.
 */
describe('migrations (Prisma CLI)', () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(async () => {
    await database.drop();
  });

  const listDatabases = async (): Promise<string[]> => {
    const url = new URL(database.url);
    url.searchParams.delete('schema');
    const client = new Client({ connectionString: url.toString() });
    await client.connect();
    try {
      const { rows } = await client.query<{ datname: string }>('SELECT datname FROM pg_database');
      return rows.map((row) => row.datname);
    } finally {
      await client.end();
    }
  };

  it('replays every migration on a shadow database and finds nothing missing', async () => {
    const provider = database.provider;
    // The shadow database is a database of its own, where migrations land in `public`: the
    // test schema would make the CLI compare against another schema.
    const url = new URL(database.url);
    url.searchParams.delete('schema');
    const before = provider === 'postgres' ? await listDatabases() : [];
    const { stdout } = await run(
      join(ROOT, 'node_modules', '.bin', 'prisma'),
      [
        'migrate', 'diff',
        '--config', `prisma/${provider}/prisma.config.ts`,
        '--from-migrations', `prisma/${provider}/migrations`,
        '--to-schema-datamodel', `prisma/${provider}`,
        '--script',
      ],
      { cwd: ROOT, env: { ...process.env, DATABASE_URL: url.toString() }, timeout: 60_000 },
    );
    expect(stdout).toContain('This is an empty migration.');
    if (provider === 'postgres') {
      // The shadow database is created and dropped: none is left behind.
      expect((await listDatabases()).sort()).toEqual(before.sort());
    }
  });
});
