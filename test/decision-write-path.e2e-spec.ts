import { ATTACHED_TABLES, AttachedRows } from '../src/decisions/attached-rows';
import { DECISION_COLUMNS, toRow } from '../src/decisions/decision-rows';
import { DecisionRepository } from '../src/decisions/decision.repository';
import { POSTGRES_DECISION_TYPES } from '../src/decisions/postgres-decision-writer';
import { DecisionRecord } from '../src/decisions/decision.types';
import { IdempotencyRepository } from '../src/decisions/idempotency.repository';
import { PrismaService } from '../src/prisma/prisma.service';
import { startTestApp, TestApp } from './support/test-app';

/**
 * The decision path writes with prepared statements, not through Prisma, into the table
 * Prisma's migrations own. These tests fail when the two drift: a column added by a migration
 * and not written, a value written in a form Prisma reads differently.
 */
describe('decision write path (prepared statements) against the Prisma schema', () => {
  let t: TestApp;
  let prisma: PrismaService;
  let repository: DecisionRepository;

  beforeAll(async () => {
    t = await startTestApp();
    prisma = t.app.get(PrismaService);
    repository = t.app.get(DecisionRepository);
  });
  afterAll(async () => {
    await t.close();
  });

  const record = (id: string, overrides: Partial<DecisionRecord> = {}): DecisionRecord => ({
    id,
    createdAt: new Date('2026-06-15T11:59:58.123Z'),
    useCase: 'p2p_recipient',
    outcome: 'REVIEW',
    score: 60,
    reasons: [{ rule: 'r', code: 'C', action: 'REVIEW', message: 'ü "quoted" \u2028' }],
    signals: [{ signal: 'tenure', operation: 'checkTenure', query: { tenureDate: '2026-05-16' }, status: 'OK', answer: { tenureDateCheck: false }, cached: false, attempts: 1, durationMs: 3 }],
    policyId: 'p2p_recipient',
    policyVersion: '0123456789abcdef',
    phoneNumberHash: 'a'.repeat(64),
    phoneNumberMasked: '+34******001',
    subjectId: 'acct-1',
    context: { amount: 2500, currency: 'EUR' },
    trustedSince: '2025-01-01',
    correlator: 'corr-1',
    apiKeyId: '0123456789abcdef',
    ...overrides,
  });

  it('writes exactly the columns the migrated Decision table has', async () => {
    const columns =
      prisma.target.provider === 'sqlite'
        ? (await prisma.client.$queryRawUnsafe<{ name: string }[]>(`SELECT name FROM pragma_table_info('Decision')`)).map((c) => c.name)
        : (await prisma.client.$queryRawUnsafe<{ name: string }[]>(`SELECT column_name::text AS name FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = 'Decision'`)).map((c) => c.name);
    expect([...columns].sort()).toEqual([...DECISION_COLUMNS].sort());
  });

  it('casts each column to the type the migrations gave it (PostgreSQL)', async () => {
    if (prisma.target.provider !== 'postgres') return;
    const rows = await prisma.client.$queryRawUnsafe<{ name: string; type: string }[]>(
      `SELECT column_name::text AS name, data_type::text AS type FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = 'Decision'`,
    );
    const expected = { text: 'text', integer: 'integer', 'timestamp(3)': 'timestamp without time zone' } as const;
    expect(Object.fromEntries(rows.map((r) => [r.name, r.type]))).toEqual(
      Object.fromEntries(Object.entries(POSTGRES_DECISION_TYPES).map(([name, type]) => [name, expected[type]])),
    );
  });

  it.each([
    ['every optional field set', 1, {}],
    ['every optional field absent', 2, { subjectId: undefined, context: undefined, trustedSince: undefined, apiKeyId: undefined }],
  ])('stores a row Prisma reads back identical to one Prisma wrote itself (%s)', async (_label, n, overrides) => {
    const raw = record(`0190b000-0000-7000-8000-00000000000${n}`, overrides);
    const viaPrisma = { ...raw, id: `0190b000-0000-7000-8000-00000000001${n}` };
    await repository.insert(raw);
    await prisma.client.decision.create({ data: toRow(viaPrisma) });
    const [a, b] = await Promise.all([raw.id, viaPrisma.id].map((id) => prisma.client.decision.findUniqueOrThrow({ where: { id } })));
    expect({ ...a, id: 'x' }).toEqual({ ...b, id: 'x' });
    expect(await repository.findById(raw.id)).toEqual(raw);
    // Range filters compare the stored form: the row is found by its own instant, and not after it.
    const at = raw.createdAt;
    const found = await prisma.client.decision.findMany({ where: { id: { in: [raw.id, viaPrisma.id] }, createdAt: { gte: at, lt: new Date(at.getTime() + 1) } } });
    expect(found.map((d) => d.id).sort()).toEqual([raw.id, viaPrisma.id].sort());
    expect(await prisma.client.decision.count({ where: { id: raw.id, createdAt: { gt: at } } })).toBe(0);
  });

  it('writes a batch of concurrent decisions in one go, every one readable', async () => {
    const ids = Array.from({ length: 50 }, (_, i) => `0190b001-0000-7000-8000-${String(i).padStart(12, '0')}`);
    await Promise.all(ids.map((id) => repository.insert(record(id))));
    expect(await prisma.client.decision.count({ where: { id: { in: ids } } })).toBe(50);
  });

  it('fails alone a decision whose id is taken, and stores the rest of its batch', async () => {
    const taken = '0190b002-0000-7000-8000-000000000000';
    await repository.insert(record(taken));
    const others = ['0190b002-0000-7000-8000-000000000001', '0190b002-0000-7000-8000-000000000002'];
    const results = await Promise.allSettled([record(taken), ...others.map((id) => record(id))].map((r) => repository.insert(r)));
    expect(results.map((r) => r.status)).toEqual(['rejected', 'fulfilled', 'fulfilled']);
    expect(await prisma.client.decision.count({ where: { id: { in: others } } })).toBe(2);
  });

  it('links a decision to its Idempotency-Key claim in one transaction, and writes nothing when the claim is gone', async () => {
    const createdAt = new Date('2026-06-15T11:00:00.007Z');
    const claim = { apiKeyId: 'k'.repeat(16), key: 'idem-1', createdAt };
    await prisma.client.idempotencyRecord.create({ data: { ...claim, requestHash: 'h', decisionId: null } });
    const first = record('0190b003-0000-7000-8000-000000000001');
    expect(await repository.insertClaimed(first, claim)).toBe(true);
    expect(await prisma.client.idempotencyRecord.findUniqueOrThrow({ where: { apiKeyId_key: { apiKeyId: claim.apiKeyId, key: claim.key } } })).toMatchObject({ decisionId: first.id });
    // The claim is now linked: a second writer under it stores nothing.
    const second = record('0190b003-0000-7000-8000-000000000002');
    expect(await repository.insertClaimed(second, claim)).toBe(false);
    // A claim taken over (another createdAt) is not this writer's either.
    expect(await repository.insertClaimed(second, { ...claim, key: 'idem-none' })).toBe(false);
    expect(await repository.findById(second.id)).toBeUndefined();
  });

  it('stores plain and Idempotency-Key decisions sent together in one write, and skips only the one whose claim is gone', async () => {
    const claim = { apiKeyId: 'm'.repeat(16), key: 'idem-batch', createdAt: new Date('2026-06-15T11:00:00.009Z') };
    await prisma.client.idempotencyRecord.create({ data: { ...claim, requestHash: 'h', decisionId: null } });
    const [plain, claimed, lost] = ['01', '02', '03'].map((n) => record(`0190b007-0000-7000-8000-0000000000${n}`));
    // Sent in the same turn of the event loop: one group commit holds the three.
    const results = await Promise.all([repository.insert(plain), repository.insertClaimed(claimed, claim), repository.insertClaimed(lost, { ...claim, key: 'idem-batch-gone' })]);
    expect(results).toEqual([undefined, true, false]);
    expect((await prisma.client.decision.findMany({ where: { id: { in: [plain.id, claimed.id, lost.id] } }, select: { id: true } })).map((d) => d.id).sort()).toEqual([plain.id, claimed.id]);
    expect(await prisma.client.idempotencyRecord.findUniqueOrThrow({ where: { apiKeyId_key: { apiKeyId: claim.apiKeyId, key: claim.key } } })).toMatchObject({ decisionId: claimed.id });
  });

  it('claims a key for exactly one of many requests claiming it at once, and leaves an existing claim untouched', async () => {
    const claims = t.app.get(IdempotencyRepository);
    const at = (ms: number) => new Date(Date.UTC(2026, 5, 15, 11, 0, 0, ms));
    const racing = [1, 2, 3, 4, 5].map((n) => ({ apiKeyId: 'n'.repeat(16), key: 'idem-race', requestHash: `h${n}`, decisionId: null, createdAt: at(n) }));
    const others = [6, 7].map((n) => ({ apiKeyId: 'n'.repeat(16), key: `idem-other-${n}`, requestHash: `h${n}`, decisionId: null, createdAt: at(n) }));
    const won = await Promise.all([...racing, ...others].map((c) => claims.claim(c)));
    expect(won.slice(0, 5).filter(Boolean)).toHaveLength(1);
    expect(won.slice(5)).toEqual([true, true]);
    const winner = racing[won.indexOf(true)];
    const stored = await claims.find(winner.apiKeyId, winner.key);
    expect(stored).toEqual(winner);
    // Claimed again later: refused, and the stored claim is the first one still.
    expect(await claims.claim({ ...racing[0], requestHash: 'later', createdAt: at(9) })).toBe(false);
    expect(await claims.find(winner.apiKeyId, winner.key)).toEqual(winner);
  });

  const tableColumns = async (table: string): Promise<Record<string, string>> => {
    if (prisma.target.provider === 'sqlite') {
      const rows = await prisma.client.$queryRawUnsafe<{ name: string; type: string }[]>(`SELECT name, type FROM pragma_table_info('${table}')`);
      return Object.fromEntries(rows.map((r) => [r.name, r.type]));
    }
    const rows = await prisma.client.$queryRawUnsafe<{ name: string; type: string }[]>(
      `SELECT column_name::text AS name, data_type::text AS type FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = '${table}'`,
    );
    return Object.fromEntries(rows.map((r) => [r.name, r.type]));
  };

  it.each(ATTACHED_TABLES.map((table) => [table.name, table]))('writes exactly the columns of the migrated %s table, with their types', async (_name, table) => {
    const columns = await tableColumns(table.name);
    expect(Object.keys(columns).sort()).toEqual([...table.columns].sort());
    if (prisma.target.provider !== 'postgres') return;
    const expected = { text: 'text', integer: 'integer', 'timestamp(3)': 'timestamp without time zone' } as const;
    expect(columns).toEqual(Object.fromEntries(Object.entries(table.postgresTypes).map(([name, type]) => [name, expected[type]])));
  });

  const attachedFor = (decisionId: string, n: number): AttachedRows => {
    const at = new Date('2026-06-15T11:59:58.123Z');
    const caseId = `0190b004-0000-7000-8000-00000000010${n}`;
    return {
      cases: [{ id: caseId, decisionId, useCase: 'p2p_recipient', outcome: 'REVIEW', score: 60, status: 'open', assigneeKeyId: null, disposition: null, createdAt: at, dueAt: new Date(at.getTime() + 3_600_000), claimedAt: null, resolvedAt: null }],
      caseEvents: [{ id: `0190b004-0000-7000-8000-00000000020${n}`, caseId, at, action: 'opened', apiKeyId: null, note: null, disposition: null }],
      deliveries: [{ id: `0190b004-0000-7000-8000-00000000030${n}`, subscriptionId: 'sub-1', eventId: `ev-${n}`, type: 'decision.created', payload: '{"ü":"\u2028"}', createdAt: at, status: 'pending', attempts: 0, nextAttemptAt: at, lockedUntil: null, deliveredAt: null, lastStatusCode: null, lastError: null }],
    };
  };

  it('writes a decision\'s case, case event and outbox rows in its transaction, as Prisma reads them', async () => {
    const decision = record('0190b004-0000-7000-8000-000000000001');
    const attached = attachedFor(decision.id, 1);
    await repository.insert(decision, undefined, attached);
    expect(await prisma.client.case.findUniqueOrThrow({ where: { decisionId: decision.id } })).toEqual(attached.cases[0]);
    expect(await prisma.client.caseEvent.findUniqueOrThrow({ where: { id: attached.caseEvents[0].id } })).toEqual(attached.caseEvents[0]);
    expect(await prisma.client.webhookDelivery.findUniqueOrThrow({ where: { id: attached.deliveries[0].id } })).toEqual(attached.deliveries[0]);
  });

  it('stores neither the decision nor its attached rows when one of them cannot be written', async () => {
    const first = record('0190b005-0000-7000-8000-000000000001');
    await repository.insert(first, undefined, attachedFor(first.id, 2));
    // A second decision whose case reuses the first case's id: the whole write fails.
    const second = record('0190b005-0000-7000-8000-000000000002');
    const clash = { ...attachedFor(second.id, 2), deliveries: [] };
    clash.caseEvents[0].id = '0190b005-0000-7000-8000-000000000099';
    // The driver's own error (better-sqlite3's SqliteError is not an Error of jest's realm in a worker).
    await expect(repository.insert(second, undefined, clash)).rejects.toHaveProperty('code', expect.stringMatching(/^(SQLITE_CONSTRAINT_PRIMARYKEY|23505)$/));
    expect(await repository.findById(second.id)).toBeUndefined();
    expect(await prisma.client.caseEvent.count({ where: { id: clash.caseEvents[0].id } })).toBe(0);
  });

  it('writes the attached rows of an Idempotency-Key decision with it, and none when the claim is gone', async () => {
    const claim = { apiKeyId: 'j'.repeat(16), key: 'idem-attached', createdAt: new Date('2026-06-15T11:00:00.007Z') };
    await prisma.client.idempotencyRecord.create({ data: { ...claim, requestHash: 'h', decisionId: null } });
    const first = record('0190b006-0000-7000-8000-000000000001');
    expect(await repository.insertClaimed(first, claim, undefined, attachedFor(first.id, 3))).toBe(true);
    expect(await prisma.client.case.count({ where: { decisionId: first.id } })).toBe(1);
    const second = record('0190b006-0000-7000-8000-000000000002');
    expect(await repository.insertClaimed(second, claim, undefined, attachedFor(second.id, 4))).toBe(false);
    expect(await prisma.client.case.count({ where: { decisionId: second.id } })).toBe(0);
    expect(await prisma.client.webhookDelivery.count({ where: { eventId: 'ev-4' } })).toBe(0);
  });
});
