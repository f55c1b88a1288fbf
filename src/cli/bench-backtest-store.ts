// The database of one `npm run bench:backtest` run: a SQLite file in a temp folder, or a
// PostgreSQL database created for the run; filled with stored decisions written in the form
// the service writes them (decision-rows.ts), read back by the baseline with the raw driver.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { Client } from 'pg';
import { uuidv7 } from '../common/ids/uuid7';
import { PACKAGE_ROOT } from '../config/package-root';
import { DECISION_COLUMNS, DecisionRow, sqliteValues, toRow } from '../decisions/decision-rows';
import { applyMigrations, readMigrations } from '../prisma/migrator';
import { SignalRecord } from '../scoring/signal-collector';

const DAY = 86_400_000;
const START = Date.parse('2026-06-01T00:00:00Z');
/** Rows per INSERT (PostgreSQL) and per transaction (SQLite) while filling. */
const FILL_BATCH = 5000;
/** The baseline's page on PostgreSQL: one result of 100,000 rows would be held whole by pg. */
const BASELINE_PAGE = 1000;

export interface BenchStore {
  /** For the output: no user or password. */
  label: string;
  /** The service's DATABASE_URL. */
  url: string;
  fill(count: number): Promise<void>;
  /** Reads and parses the rows a replay reads, with the raw driver and nothing else; resolves to the row count. */
  baseline(): Promise<number>;
  /** Removes the database (file or PostgreSQL database); safe to call twice. */
  cleanUp(): Promise<void>;
}

/**
 * Decision `i` of `count`, spread over 14 days, as the service stores it: onboarding with the
 * tenure and SIM swap answers its rules asked (an answer UNAVAILABLE now and then), a label on
 * one in ten.
 */
function benchRow(i: number, count: number): DecisionRow {
  const at = START + Math.floor((i / count) * 14 * DAY);
  const day = (offset: number) => new Date(at - offset * DAY).toISOString().slice(0, 10);
  const young = i % 7 === 0;
  const swapped = i % 11 === 0;
  const contractType = i % 3 ? 'PAYM' : 'PAYG';
  const took = { cached: false, attempts: 1, durationMs: 20 + (i % 180) };
  const signals: SignalRecord[] = [
    { signal: 'tenure', operation: 'checkTenure', query: { tenureDate: day(30) }, status: 'OK', answer: { tenureDateCheck: !young, contractType }, ...took },
    { signal: 'tenure', operation: 'checkTenure', query: { tenureDate: day(365) }, status: 'OK', answer: { tenureDateCheck: !young && i % 5 > 0, contractType }, ...took },
    i % 97 === 0
      ? { signal: 'simSwap', operation: 'check', query: { maxAge: 72 }, status: 'UNAVAILABLE', reason: 'operator timeout', ...took, attempts: 3 }
      : { signal: 'simSwap', operation: 'check', query: { maxAge: 72 }, status: 'OK', answer: { swapped }, ...took },
  ];
  const row = toRow({
    id: uuidv7(at),
    createdAt: new Date(at),
    useCase: 'onboarding',
    outcome: young ? 'REVIEW' : swapped ? 'CHALLENGE' : 'ALLOW',
    score: young ? 50 : 0,
    reasons: young ? [{ rule: 'new-line', code: 'LINE_TENURE_UNDER_30_DAYS', action: 'REVIEW', message: 'The line has been with its current holder for less than 30 days.' }] : [],
    signals,
    policyId: 'onboarding',
    policyVersion: 'bench',
    phoneNumberHash: `${i}`.padStart(64, '0'),
    phoneNumberMasked: '+34******001',
    correlator: `bench-${i}`,
  });
  return { ...row, label: i % 10 === 0 ? (young || swapped ? 'fraud' : 'legitimate') : null, labeledAt: i % 10 === 0 ? new Date(at + DAY) : null };
}

const COLUMNS = DECISION_COLUMNS.map((c) => `"${c}"`).join(', ');
/** The columns and order a replay reads (decision-replay-reader.ts). */
const REPLAY_COLUMNS = '"id", "createdAt", "outcome", "reasons", "signals", "trustedSince", "context", "label"';

function parse(createdAt: string | number, reasons: string, signals: string, context: string | null): void {
  new Date(createdAt);
  JSON.parse(reasons);
  JSON.parse(signals);
  if (context !== null) JSON.parse(context);
}

export async function sqliteStore(): Promise<BenchStore> {
  const dir = mkdtempSync(join(tmpdir(), 'linetrust-bench-backtest-'));
  const file = join(dir, 'decisions.db');
  const cleanUp = async () => rmSync(dir, { recursive: true, force: true });
  try {
    await applyMigrations({ provider: 'sqlite', file }, readMigrations(join(PACKAGE_ROOT, 'prisma', 'sqlite', 'migrations')));
  } catch (error) {
    await cleanUp();
    throw error;
  }
  return {
    label: 'sqlite (a new file in a temp folder)',
    url: `file:${file}`,
    cleanUp,
    async fill(count) {
      const db = new Database(file);
      try {
        const insert = db.prepare(`INSERT INTO "Decision" (${COLUMNS}) VALUES (${DECISION_COLUMNS.map(() => '?').join(', ')})`);
        const batch = db.transaction((from: number, to: number) => {
          for (let i = from; i < to; i++) insert.run(sqliteValues(benchRow(i, count)));
        });
        for (let from = 0; from < count; from += FILL_BATCH) batch(from, Math.min(count, from + FILL_BATCH));
      } finally {
        db.close();
      }
    },
    async baseline() {
      const db = new Database(file, { readonly: true });
      try {
        let rows = 0;
        const select = db.prepare(`SELECT ${REPLAY_COLUMNS} FROM "Decision" WHERE "useCase" = ? ORDER BY "id"`).raw(true);
        for (const row of select.iterate('onboarding') as Iterable<[string, string, string, string, string, string | null, string | null]>) {
          parse(row[1], row[3], row[4], row[6]);
          rows += 1;
        }
        return rows;
      } finally {
        db.close();
      }
    },
  };
}

async function withClient<T>(url: string, work: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** A database `lt_bench_backtest_<random>` on the server `serverUrl` points at, dropped by cleanUp. */
export async function postgresStore(serverUrl: string): Promise<BenchStore> {
  const name = `lt_bench_backtest_${randomBytes(4).toString('hex')}`;
  await withClient(serverUrl, (admin) => admin.query(`CREATE DATABASE "${name}"`));
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  url.searchParams.delete('schema');
  let dropped = false;
  const cleanUp = async () => {
    if (dropped) return;
    dropped = true;
    // FORCE: a run stopped mid-way may leave the service's connections open.
    await withClient(serverUrl, (admin) => admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`));
  };
  try {
    await applyMigrations({ provider: 'postgres', connectionString: url.toString(), schema: 'public' }, readMigrations(join(PACKAGE_ROOT, 'prisma', 'postgres', 'migrations')));
  } catch (error) {
    await cleanUp();
    throw error;
  }
  return {
    label: `postgres ${url.hostname}:${url.port || 5432}/${name} (created for the run, dropped after)`,
    url: url.toString(),
    cleanUp,
    fill: (count) =>
      withClient(url.toString(), async (client) => {
        // One multi-row INSERT per batch, its rows as one JSON parameter typed by the table
        // itself (timestamps as UTC text: a zone-less timestamp ignores the Z). JSON.stringify
        // is native, where pg escapes array parameters in JavaScript, string by string.
        const text = `INSERT INTO "Decision" (${COLUMNS}) SELECT ${COLUMNS} FROM json_populate_recordset(NULL::"Decision", $1::json)`;
        for (let from = 0; from < count; from += FILL_BATCH) {
          const rows: DecisionRow[] = [];
          for (let i = from; i < Math.min(count, from + FILL_BATCH); i++) rows.push(benchRow(i, count));
          await client.query({ name: 'bench_fill', text, values: [JSON.stringify(rows)] });
        }
        await client.query('ANALYZE "Decision"');
      }),
    baseline: () =>
      withClient(url.toString(), async (client) => {
        let rows = 0;
        let after = '';
        const text = `SELECT ${REPLAY_COLUMNS.replace('"createdAt"', '(extract(epoch FROM "createdAt") * 1000)::float8')} FROM "Decision" WHERE "useCase" = $1 AND "id" > $2 ORDER BY "id" LIMIT $3`;
        for (;;) {
          const page = await client.query<[string, number, string, string, string, string | null, string | null]>({ name: 'bench_baseline', text, rowMode: 'array', values: ['onboarding', after, BASELINE_PAGE] });
          for (const row of page.rows) parse(row[1], row[3], row[4], row[6]);
          rows += page.rows.length;
          if (page.rows.length < BASELINE_PAGE) return rows;
          after = page.rows[page.rows.length - 1][0];
        }
      }),
  };
}
