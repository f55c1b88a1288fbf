// Each measured configuration gets a database of its own, empty at start: a SQLite file in the
// run's temp folder, or a PostgreSQL database created for it and dropped after (also on SIGINT).
// The service applies the migrations when it starts, as it does in production.
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { Client } from 'pg';
import { KEY_IN_TEXT } from '../../auth/api-key-secret';
import { runKeysCli } from '../keys-cli';
import { onCleanUp } from './processes';

export interface RunDatabase {
  url: string;
  /** For the report: `sqlite` or `postgres host:port/name`, never a user or password. */
  label: string;
  drop(): Promise<void>;
}

export function sqliteDatabase(folder: string, name: string): RunDatabase {
  return { url: `file:${join(folder, `${name}.db`)}`, label: 'sqlite (a new file)', drop: async () => undefined };
}

/** CREATE DATABASE lt_bench_<random> on the server `serverUrl` points at; dropped by `drop()` or at clean-up. */
export async function postgresDatabase(serverUrl: string): Promise<RunDatabase> {
  const name = `lt_bench_${randomBytes(4).toString('hex')}`;
  const admin = new Client({ connectionString: serverUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE "${name}"`);
  } finally {
    await admin.end();
  }
  let dropped = false;
  const drop = async () => {
    if (dropped) return;
    dropped = true;
    const client = new Client({ connectionString: serverUrl });
    await client.connect();
    try {
      // FORCE: a service killed mid-run may leave its connections behind for a moment.
      await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    } finally {
      await client.end();
    }
  };
  onCleanUp(drop);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  url.searchParams.delete('schema');
  return { url: url.toString(), label: `postgres ${url.hostname}:${url.port || 5432}/${name} (new, dropped after)`, drop };
}

/** A decisions:write key, made as an operator makes one (the keys CLI), at the CLI's highest rate. */
export async function createBenchKey(databaseUrl: string): Promise<string> {
  const lines: string[] = [];
  const out = { line: (text: string) => lines.push(text), error: (text: string) => lines.push(text) };
  const code = await runKeysCli(['create', '--label', 'bench', '--scopes', 'decisions:write', '--rate', '100000'], out, { DATABASE_URL: databaseUrl, LOG_LEVEL: 'warn' });
  const key = lines.join('\n').match(KEY_IN_TEXT)?.[0];
  // The CLI's lines hold the secret: not echoed.
  if (code !== 0 || !key) throw new Error(`could not create the bench API key (exit ${code})`);
  return `Bearer ${key}`;
}
