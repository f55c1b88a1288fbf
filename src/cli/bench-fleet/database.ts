// The bench's PostgreSQL side: one schema per fleet (`?schema=<name>`), created by the
// instances' own migrations on first start, and dropped by the bench whatever happens.
import { randomBytes } from 'node:crypto';
import { Client, QueryResultRow } from 'pg';

export class BenchDatabase {
  private readonly admin: Client;
  private readonly schemas = new Set<string>();

  constructor(private readonly base: string) {
    this.admin = new Client({ connectionString: BenchDatabase.withoutSchema(base) });
  }

  static withoutSchema(url: string): string {
    const parsed = new URL(url);
    parsed.searchParams.delete('schema');
    return parsed.toString();
  }

  /** host:port/database, for the report: never the user or a password. */
  describe(): string {
    const url = new URL(this.base);
    return `${url.hostname}:${url.port || 5432}${url.pathname}`;
  }

  async connect(): Promise<void> {
    await this.admin.connect();
    // A DROP SCHEMA behind a lock must not hang the bench's clean-up.
    await this.admin.query("SET lock_timeout = '15s'");
  }

  /** A new schema name and the DATABASE_URL that points at it; remembered until dropped. */
  newSchema(label: string): { name: string; url: string } {
    const name = `lt_bench_${label}_${randomBytes(4).toString('hex')}`;
    const url = new URL(this.base);
    url.searchParams.set('schema', name);
    this.schemas.add(name);
    return { name, url: url.toString() };
  }

  async query<T extends QueryResultRow>(sql: string, params: unknown[] = []): Promise<T[]> {
    return (await this.admin.query<T>(sql, params)).rows;
  }

  async dropSchema(name: string): Promise<void> {
    await this.admin.query(`DROP SCHEMA IF EXISTS "${name}" CASCADE`);
    this.schemas.delete(name);
  }

  /** Drops every schema still remembered, then closes; reports what it could not drop. */
  async close(): Promise<string[]> {
    const failed: string[] = [];
    for (const name of [...this.schemas]) {
      await this.dropSchema(name).catch((error: Error) => failed.push(`${name}: ${error.message}`));
    }
    await this.admin.end().catch(() => undefined);
    return failed;
  }

  /**
   * Another connection holding `"<schema>"."Decision"` in ACCESS EXCLUSIVE mode, as a stalled
   * or locked database does: every read and write of decisions waits until `release()`.
   */
  async lockDecisions(schema: string): Promise<{ acquiredMs: number; release(): Promise<void> }> {
    const client = new Client({ connectionString: BenchDatabase.withoutSchema(this.base) });
    await client.connect();
    const started = performance.now();
    try {
      await client.query('BEGIN');
      await client.query(`LOCK TABLE "${schema}"."Decision" IN ACCESS EXCLUSIVE MODE`);
    } catch (error) {
      await client.end().catch(() => undefined);
      throw error;
    }
    return {
      acquiredMs: performance.now() - started,
      release: async () => {
        try {
          await client.query('ROLLBACK');
        } finally {
          await client.end();
        }
      },
    };
  }
}
