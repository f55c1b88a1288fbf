// `npm run bench:backtest`: stored decisions replayed per second. Fills a fresh SQLite database
// with BENCH_DECISIONS onboarding decisions (default 100,000, with realistic stored signals),
// then replays them against a candidate through the service's BacktestService, as `policy
// backtest` does. Baseline in the same run: reading and parsing the same rows with the raw
// driver and nothing else, the ceiling of any replay.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { createApp } from '../app.factory';
import { uuidv7 } from '../common/ids/uuid7';
import { PACKAGE_ROOT } from '../config/package-root';
import { BacktestService } from '../decisions/backtest.service';
import { applyMigrations, readMigrations } from '../prisma/migrator';

const COUNT = Number(process.env.BENCH_DECISIONS ?? 100_000);
const DAY = 86_400_000;

function fill(file: string): void {
  const db = new Database(file);
  const insert = db.prepare(
    `INSERT INTO Decision (id, createdAt, useCase, outcome, score, reasons, signals, policyId, policyVersion, phoneNumberHash, phoneNumberMasked, correlator, label)
     VALUES (?, ?, 'onboarding', ?, ?, ?, ?, 'onboarding', 'bench', ?, '+34******001', 'bench', ?)`,
  );
  const start = Date.parse('2026-06-01T00:00:00Z');
  db.transaction(() => {
    for (let i = 0; i < COUNT; i++) {
      const at = start + Math.floor((i / COUNT) * 14 * DAY);
      const day = (offset: number) => new Date(at - offset * DAY).toISOString().slice(0, 10);
      const young = i % 7 === 0;
      const swapped = i % 11 === 0;
      const signals = [
        { signal: 'tenure', operation: 'checkTenure', query: { tenureDate: day(30) }, status: 'OK', answer: { tenureDateCheck: !young, contractType: i % 3 ? 'PAYM' : 'PAYG' }, cached: false, attempts: 1, durationMs: 1 },
        { signal: 'tenure', operation: 'checkTenure', query: { tenureDate: day(365) }, status: 'OK', answer: { tenureDateCheck: !young && i % 5 > 0, contractType: i % 3 ? 'PAYM' : 'PAYG' }, cached: false, attempts: 1, durationMs: 1 },
        { signal: 'simSwap', operation: 'check', query: { maxAge: 72 }, status: i % 97 === 0 ? 'UNAVAILABLE' : 'OK', answer: { swapped }, cached: false, attempts: 1, durationMs: 1 },
      ];
      const outcome = young ? 'REVIEW' : swapped ? 'CHALLENGE' : 'ALLOW';
      const reasons = young ? [{ rule: 'new-line', code: 'LINE_TENURE_UNDER_30_DAYS', action: 'REVIEW', message: '' }] : [];
      const label = i % 10 === 0 ? (young || swapped ? 'fraud' : 'legitimate') : null;
      insert.run(uuidv7(at), at, outcome, young ? 50 : 0, JSON.stringify(reasons), JSON.stringify(signals), `${i}`.padStart(64, '0'), label);
    }
  })();
  db.close();
}

function rawRead(file: string): number {
  const db = new Database(file, { readonly: true });
  const started = performance.now();
  let n = 0;
  for (const row of db.prepare('SELECT reasons, signals, context FROM Decision').iterate() as Iterable<{ reasons: string; signals: string }>) {
    JSON.parse(row.reasons);
    JSON.parse(row.signals);
    n += 1;
  }
  db.close();
  return n / ((performance.now() - started) / 1000);
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'linetrust-bench-backtest-'));
  try {
    const file = join(dir, 'decisions.db');
    await applyMigrations({ provider: 'sqlite', file }, readMigrations(join(PACKAGE_ROOT, 'prisma', 'sqlite', 'migrations')));
    let started = performance.now();
    fill(file);
    console.log(`stored ${COUNT} decisions in ${((performance.now() - started) / 1000).toFixed(1)} s`);
    const candidate = JSON.parse(readFileSync(join(PACKAGE_ROOT, 'rules', 'onboarding.json'), 'utf8'));
    candidate.rules.find((r: { name: string }) => r.name === 'recent-sim-swap').event.type = 'BLOCK';
    const candidateFile = join(dir, 'onboarding.candidate.json');
    writeFileSync(candidateFile, JSON.stringify(candidate));

    const ceiling = rawRead(file);
    const app = await createApp({ env: { DATABASE_URL: `file:${file}`, POLICY_RELOAD: 'false', LOG_LEVEL: 'warn' }, ignoreEnvFile: true });
    try {
      started = performance.now();
      const heapBefore = process.memoryUsage().heapUsed;
      const report = await app.get(BacktestService).run(candidateFile);
      const seconds = (performance.now() - started) / 1000;
      const rate = report.decisions / seconds;
      console.log(`raw read + JSON.parse (ceiling): ${ceiling.toFixed(0)} rows/s`);
      console.log(`backtest: ${report.decisions} decisions replayed in ${seconds.toFixed(1)} s: ${rate.toFixed(0)} decisions/s (${((rate / ceiling) * 100).toFixed(1)}% of the ceiling), heap +${((process.memoryUsage().heapUsed - heapBefore) / 1e6).toFixed(0)} MB`);
      console.log(`replayable: ${report.replayable}, outcome changes: ${report.changedCount}, labelled: ${report.labels?.labelled ?? 0}`);
    } finally {
      await app.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
