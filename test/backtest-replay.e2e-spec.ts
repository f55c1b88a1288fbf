import { Logger } from '@nestjs/common';
import { uuidv7 } from '../src/common/ids/uuid7';
import { calendarDaysBefore } from '../src/common/time/clock';
import { validateConfig } from '../src/config/app-config';
import { BacktestService, REPLAY_PAGE } from '../src/decisions/backtest.service';
import { DecisionRepository } from '../src/decisions/decision.repository';
import { DecisionRecord } from '../src/decisions/decision.types';
import { PrismaService } from '../src/prisma/prisma.service';
import { StoredDecision } from '../src/scoring/backtest';
import { CompiledPolicy } from '../src/scoring/compiled-policy';
import { validatePolicyText } from '../src/scoring/policy-validator';
import { SignalRecord } from '../src/scoring/signal-collector';
import { legacyBacktest, legacyReplayPage } from './support/legacy-backtest';
import { starterRule } from './support/starter-rules';
import { createTestDatabase, TestDatabase } from './support/test-database';

const T = new Date('2026-06-15T11:59:58.123Z');
const at = (offsetMs: number) => new Date(T.getTime() + offsetMs);
const DAY = 86_400_000;

function record(useCase: string, createdAt: Date, overrides: Partial<DecisionRecord> = {}): DecisionRecord {
  return {
    id: uuidv7(createdAt.getTime()),
    createdAt,
    useCase,
    outcome: 'ALLOW',
    score: 0,
    reasons: [],
    signals: [],
    policyId: useCase,
    policyVersion: 'v1',
    phoneNumberHash: 'a'.repeat(64),
    phoneNumberMasked: '+34******001',
    correlator: 'c',
    ...overrides,
  };
}

function candidate(file: string, change: (policy: any) => void = () => undefined): CompiledPolicy {
  const policy = starterRule(file);
  change(policy);
  const text = JSON.stringify(policy);
  const path = `/rules/${policy.id}.candidate.json`;
  return new CompiledPolicy(validatePolicyText(text, path), path, text);
}

const answer = (signal: SignalRecord['signal'], operation: string, query: SignalRecord['query'], status: SignalRecord['status'], fields: Record<string, unknown> = {}): SignalRecord =>
  status === 'OK'
    ? { signal, operation, query, status, answer: fields, cached: false, attempts: 1, durationMs: 12 }
    : { signal, operation, query, status, reason: `${signal} said ${status}`, cached: false, attempts: 2, durationMs: 800 };

/**
 * Stored p2p_recipient decision `i`: a 30-day tenure answer (OK or not), a 90-day one on some,
 * a SIM swap answer, a payment context (left out, or missing its currency, on some), a label on
 * most, several decisions per millisecond.
 */
function p2p(i: number): DecisionRecord {
  const createdAt = at(Math.floor(i / 3) * 7_200_000);
  const young = i % 4 === 0;
  const signals = [
    answer('tenure', 'checkTenure', { tenureDate: calendarDaysBefore(createdAt, 30) }, i % 13 === 5 ? 'UNAVAILABLE' : 'OK', { tenureDateCheck: !young, contractType: i % 3 ? 'PAYM' : 'PAYG' }),
    answer('simSwap', 'check', { maxAge: 72 }, i % 11 === 3 ? 'NO_COVERAGE' : 'OK', { swapped: i % 5 === 0 }),
  ];
  if (i % 3 === 0) signals.push(answer('tenure', 'checkTenure', { tenureDate: calendarDaysBefore(createdAt, 90) }, 'OK', { tenureDateCheck: !young && i % 2 === 0 }));
  const context = i % 17 === 0 ? undefined : i % 19 === 0 ? { amount: 500 } : { amount: [1_500, 60_000, 150_000][i % 3], currency: 'EUR' };
  const outcome = young ? 'REVIEW' : i % 5 === 0 ? 'REVIEW' : 'ALLOW';
  const reasons = young ? [{ rule: 'new-recipient-line', code: 'NEW', action: 'REVIEW' as const, message: '' }] : [];
  return record('p2p_recipient', createdAt, { outcome, reasons, signals, context, subjectId: `acct-${i}` });
}

/** Stored account_recovery decision `i`: number recycling against trustedSince (absent, or not asked, on some), SIM and device swaps. */
function recovery(i: number): DecisionRecord {
  const createdAt = at(i * DAY);
  const trustedSince = i % 4 === 1 ? undefined : '2025-01-01';
  const signals = [answer('simSwap', 'check', { maxAge: 24 }, 'OK', { swapped: i % 3 === 0 }), answer('deviceSwap', 'check', { maxAge: 24 }, i % 5 === 0 ? 'UNAVAILABLE' : 'OK', { swapped: false })];
  if (trustedSince && i % 7 !== 2) signals.push(answer('numberRecycling', 'check', { specifiedDate: trustedSince }, 'OK', { phoneNumberRecycled: i % 6 === 0 }));
  return record('account_recovery', createdAt, { outcome: i % 3 === 0 ? 'CHALLENGE' : 'ALLOW', signals, trustedSince });
}

/** Reads `useCase` page by page (`take` each) until an empty page. */
async function allPages(repository: DecisionRepository, useCase: string, take: number, from?: Date, to?: Date): Promise<StoredDecision[][]> {
  const pages: StoredDecision[][] = [];
  let after = '';
  for (;;) {
    const page = await repository.replayPage({ useCase, from, to }, after, take);
    pages.push(page);
    if (page.length === 0) return pages;
    after = page[page.length - 1].id;
  }
}

/** Keyset pages of a replay read raw (not through Prisma), against the old path, on SQLite and PostgreSQL. */
describe('backtest replay pages and reports (e2e)', () => {
  let database: TestDatabase;
  let prisma: PrismaService;
  let repository: DecisionRepository;
  let service: BacktestService;
  const insert = (records: DecisionRecord[]) => Promise.all(records.map((r) => repository.insert(r)));

  beforeAll(async () => {
    Logger.overrideLogger(false);
    database = await createTestDatabase();
    prisma = new PrismaService(validateConfig({ DATABASE_URL: database.url, NODE_ENV: 'test' }));
    await prisma.onModuleInit();
    repository = new DecisionRepository(prisma);
    service = new BacktestService(repository);
  });
  afterAll(async () => {
    await prisma.onModuleDestroy();
    await database.drop();
  });

  it('pages oldest first, each decision once, when a boundary falls between decisions of the same millisecond', async () => {
    const same = Array.from({ length: 5 }, (_, i) => record('paging-same', T, { trustedSince: i % 2 ? '2025-01-01' : undefined, context: i % 2 ? undefined : { n: i } }));
    const later = [record('paging-same', at(1000)), record('paging-same', at(1001))];
    await insert([...same, ...later]);
    await repository.label(same[1].id, 'fraud', at(5000));
    const pages = await allPages(repository, 'paging-same', 2);
    expect(pages.map((p) => p.length)).toEqual([2, 2, 2, 1, 0]);
    const ids = pages.flat().map((d) => d.id);
    expect(ids).toEqual([...same, ...later].map((r) => r.id).sort());
    expect(new Set(ids).size).toBe(7);
    // Field for field what the Prisma page read (label, absent context and trustedSince included).
    let after: string | undefined;
    for (const page of pages.slice(0, -1)) {
      expect(page).toEqual(await legacyReplayPage(prisma, 'paging-same', undefined, undefined, after, 2));
      after = page[page.length - 1].id;
    }
    expect(pages.flat().find((d) => d.id === same[1].id)?.label).toBe('fraud');
  });

  it('follows a page that ends exactly at the last decision with an empty one', async () => {
    await insert([0, 1, 2, 3].map((i) => record('paging-exact', at(i))));
    expect((await allPages(repository, 'paging-exact', 2)).map((p) => p.length)).toEqual([2, 2, 0]);
    expect((await allPages(repository, 'paging-exact', 4)).map((p) => p.length)).toEqual([4, 0]);
  });

  it('reads createdAt in [from, to) of one use case, and nothing of an empty range', async () => {
    await insert([record('paging-range', at(-1)), record('paging-range', at(0)), record('paging-range', at(500)), record('paging-range', at(1000)), record('paging-other', at(500))]);
    const inRange = (await allPages(repository, 'paging-range', 10, at(0), at(1000))).flat();
    expect(inRange.map((d) => d.createdAt)).toEqual([at(0), at(500)]);
    expect(inRange).toEqual(await legacyReplayPage(prisma, 'paging-range', at(0), at(1000), undefined, 10));
    expect(await repository.replayPage({ useCase: 'paging-range', from: at(2000), to: at(3000) }, '', 10)).toEqual([]);
    expect(await repository.replayPage({ useCase: 'paging-range', from: at(1000), to: at(1000) }, '', 10)).toEqual([]);
    expect(await repository.replayPage({ useCase: 'no-such-use-case' }, '', 10)).toEqual([]);
  });

  it('replays nothing, and reports no progress, on an empty range', async () => {
    const progress: number[] = [];
    const report = await service.run(candidate('onboarding.json'), { from: at(-2 * DAY), to: at(-DAY) }, (done) => progress.push(done));
    expect(report).toMatchObject({ decisions: 0, replayable: 0, changedCount: 0 });
    expect(progress).toEqual([]);
  });

  it('replays every decision once when the last page is exactly full', async () => {
    const tenure = (createdAt: Date) => [answer('tenure', 'checkTenure', { tenureDate: calendarDaysBefore(createdAt, 30) }, 'OK', { tenureDateCheck: true, contractType: 'PAYM' })];
    await insert(Array.from({ length: REPLAY_PAGE }, (_, i) => record('onboarding', at(Math.floor(i / 4)), { signals: tenure(at(Math.floor(i / 4))) })));
    const progress: number[] = [];
    const report = await service.run(candidate('onboarding.json'), {}, (done, total) => progress.push(done, total));
    expect(report.decisions).toBe(REPLAY_PAGE);
    expect(progress).toEqual([REPLAY_PAGE, REPLAY_PAGE]);
  });

  it('reports exactly what the old path (Prisma pages, generic collector) reported', async () => {
    const p2ps = Array.from({ length: 90 }, (_, i) => p2p(i));
    const recoveries = Array.from({ length: 30 }, (_, i) => recovery(i));
    await insert([...p2ps, ...recoveries]);
    for (const [i, r] of [...p2ps, ...recoveries].entries()) if (i % 4 !== 3) await repository.label(r.id, i % 3 === 0 ? 'fraud' : 'legitimate', at(DAY * 40));
    const candidates = [
      candidate('p2p_recipient.json'),
      // Blocks from 50,000: the 90-day tenure answer is then needed where only some decisions asked it.
      candidate('p2p_recipient.json', (p) => (p.rules.find((r: any) => r.name === 'large-payment-to-young-line').conditions.all[0].value = 50_000)),
      candidate('account_recovery.json', (p) => (p.rules.find((r: any) => r.name === 'sim-swap-24h').event.type = 'BLOCK')),
    ];
    for (const policy of candidates) {
      for (const range of [{}, { from: at(DAY / 2), to: at(20 * DAY) }]) {
        expect(await service.run(policy, range)).toEqual(await legacyBacktest(prisma, policy, range));
      }
    }
    // The fixture reaches every branch the reports compare.
    const p2pReport = await service.run(candidates[1]);
    expect(p2pReport.inputsRefused.count).toBeGreaterThan(0);
    expect(p2pReport.rules.some((r) => r.notReplayable > 0)).toBe(true);
    expect(p2pReport.changedCount).toBeGreaterThan(0);
    expect(p2pReport.labels?.labelled).toBeGreaterThan(0);
    const recoveryReport = await service.run(candidates[2]);
    expect(recoveryReport.changedCount).toBeGreaterThan(0);
    expect(recoveryReport.replayable).toBeLessThan(recoveryReport.decisions);
  });
});
