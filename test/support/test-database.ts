import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';

/**
 * A fresh database for one test file: a new SQLite file by default, or a new schema in the
 * PostgreSQL database named by DATABASE_URL when the suite runs on PostgreSQL
 * (`DATABASE_URL=postgresql://... npm test`). `drop()` removes it.
 */
export interface TestDatabase {
  url: string;
  provider: 'sqlite' | 'postgres';
  drop(): Promise<void>;
}

export async function createTestDatabase(): Promise<TestDatabase> {
  const base = process.env.DATABASE_URL;
  const suffix = randomBytes(6).toString('hex');
  if (base && /^postgres(ql)?:\/\//.test(base)) {
    const schema = `lt_test_${suffix}`;
    const url = new URL(base);
    url.searchParams.set('schema', schema);
    return {
      url: url.toString(),
      provider: 'postgres',
      drop: async () => {
        url.searchParams.delete('schema');
        const client = new Client({ connectionString: url.toString() });
        await client.connect();
        try {
          await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
        } finally {
          await client.end();
        }
      },
    };
  }
  const file = join(tmpdir(), `linetrust-test-${suffix}.db`);
  return {
    url: `file:${file}`,
    provider: 'sqlite',
    drop: async () => {
      for (const extra of ['', '-wal', '-shm', '-journal']) rmSync(`${file}${extra}`, { force: true });
    },
  };
}
