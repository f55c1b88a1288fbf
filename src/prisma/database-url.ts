import { isAbsolute, resolve } from 'node:path';

export type DatabaseTarget =
  | { provider: 'sqlite'; file: string }
  | { provider: 'postgres'; connectionString: string; schema: string };

/**
 * Reads DATABASE_URL: `file:<path>` (SQLite, relative to the working directory) or
 * `postgresql://...` / `postgres://...` with an optional `?schema=` (default `public`), kept
 * out of the connection string handed to pg, which does not know it.
 */
export function parseDatabaseUrl(url: string): DatabaseTarget {
  if (url.startsWith('file:')) {
    const path = url.slice('file:'.length);
    if (!path) throw new Error('DATABASE_URL file: needs a path, like file:./data/linetrust.db');
    // Each SQLite connection to :memory: is a database of its own: the migrations would go to
    // one and the decisions to another.
    if (path === ':memory:') throw new Error('DATABASE_URL file::memory: is not supported: use a file path');
    return { provider: 'sqlite', file: isAbsolute(path) ? path : resolve(path) };
  }
  if (/^postgres(ql)?:\/\//.test(url)) {
    const parsed = new URL(url);
    const schema = parsed.searchParams.get('schema') ?? 'public';
    parsed.searchParams.delete('schema');
    return { provider: 'postgres', connectionString: parsed.toString(), schema };
  }
  throw new Error('DATABASE_URL must start with file: (SQLite) or postgresql:// (PostgreSQL)');
}
