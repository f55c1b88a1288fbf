import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Logger } from '@nestjs/common';
import { FixedClock } from '../common/time/clock';
import { validateConfig } from '../config/app-config';
import type { PrismaService } from '../prisma/prisma.service';
import { generateKey, hashSecret, parseKey } from './api-key-secret';
import { ApiKeyRecord, ApiKeyRepository } from './api-key.repository';
import { ApiKeyService, MAX_CACHED_KEYS, NewApiKey, REVOCATION_POLL_MS } from './api-key.service';
import { Scope } from './scopes';

const NOW = new Date('2026-06-15T12:00:00Z');

/** The ApiKey table in memory, each read by id logged: what the service would ask the database. */
class MemoryApiKeyRepository extends ApiKeyRepository {
  readonly rows = new Map<string, ApiKeyRecord>();
  readonly reads: string[] = [];
  /** The use cases published in the ActivePolicy table. */
  published: string[] = [];

  constructor() {
    super(undefined as unknown as PrismaService);
  }

  override async insert(record: ApiKeyRecord): Promise<void> {
    this.rows.set(record.id, { ...record });
  }

  override async findById(id: string): Promise<ApiKeyRecord | undefined> {
    this.reads.push(id);
    const row = this.rows.get(id);
    return row && { ...row };
  }

  override async list(): Promise<ApiKeyRecord[]> {
    return [...this.rows.values()].map((row) => ({ ...row }));
  }

  override async countUsable(): Promise<number> {
    return [...this.rows.values()].filter((row) => row.revokedAt === null).length;
  }

  override async revokedSince(since: Date): Promise<string[]> {
    return [...this.rows.values()].filter((row) => row.revokedAt !== null && row.revokedAt >= since).map((row) => row.id);
  }

  override async activePolicyIds(): Promise<string[]> {
    return this.published;
  }

  override async revoke(id: string, at: Date): Promise<boolean> {
    const row = this.rows.get(id);
    if (!row || row.revokedAt !== null) return false;
    row.revokedAt = at;
    return true;
  }

  /** What another instance does: revoke the key in the shared table, behind this one's back. */
  revokeElsewhere(id: string, at: Date): void {
    (this.rows.get(id) as ApiKeyRecord).revokedAt = at;
  }

  readsOf(id: string): number {
    return this.reads.filter((read) => read === id).length;
  }
}

/** A rules folder with two policies, and files beside them that are not policies. */
let rulesDir: string;
beforeAll(() => {
  rulesDir = mkdtempSync(join(tmpdir(), 'linetrust-keys-'));
  for (const name of ['p2p_recipient.json', 'onboarding.json', 'onboarding.cases.json', 'onboarding.candidate.json', 'README.md']) {
    writeFileSync(join(rulesDir, name), '{}');
  }
});
afterAll(() => rmSync(rulesDir, { recursive: true, force: true }));

function setUp(env: Record<string, string> = {}) {
  const repository = new MemoryApiKeyRepository();
  const clock = new FixedClock(NOW);
  const config = validateConfig({ NODE_ENV: 'test', RULES_DIR: rulesDir, API_KEY_CACHE_TTL_S: '10', FLEET_STATE: 'local', ...env });
  const service = new ApiKeyService(repository, clock, config);
  const at = (ms: number) => clock.set(new Date(NOW.getTime() + ms));
  return { service, repository, at };
}

const PAYMENTS: NewApiKey = { label: 'payments', scopes: ['decisions:write'] };
const RECORD: Omit<ApiKeyRecord, 'id' | 'secretHash'> = { label: 'payments', scopes: ['decisions:write'], useCases: null, rateLimitPerSecond: null, createdAt: NOW, revokedAt: null };
const idOf = (key: string) => (parseKey(key) as { id: string }).id;
/** A well-formed key whose id no table holds. */
const madeUpKey = (n: number) => `lt_${n.toString(16).padStart(16, '0')}_${'A'.repeat(43)}`;

beforeAll(() => Logger.overrideLogger(false));
afterEach(() => jest.restoreAllMocks());

describe('ApiKeyService: creating keys', () => {
  it('creates a key that authenticates as itself, and shows everything of it but the secret', async () => {
    const { service, repository } = setUp();
    const created = await service.create({ label: 'payments', scopes: ['decisions:write', 'decisions:read'], useCases: ['onboarding'], rateLimitPerSecond: 50 });
    expect(created).toEqual({
      id: expect.stringMatching(/^[0-9a-f]{16}$/),
      label: 'payments',
      scopes: ['decisions:write', 'decisions:read'],
      useCases: ['onboarding'],
      rateLimitPerSecond: 50,
      createdAt: NOW.toISOString(),
      revokedAt: null,
      key: expect.stringMatching(/^lt_/),
    });
    await expect(service.authenticate(created.key)).resolves.toEqual({
      keyId: created.id,
      label: 'payments',
      scopes: ['decisions:write', 'decisions:read'],
      useCases: ['onboarding'],
      rateLimitPerSecond: 50,
    });
    const secret = (parseKey(created.key) as { secret: string }).secret;
    expect(JSON.stringify([...repository.rows.values()])).not.toContain(secret);
  });

  it('stores each scope and use case once', async () => {
    const { service } = setUp();
    const created = await service.create({ label: 'app', scopes: ['decisions:read', 'decisions:read'], useCases: ['onboarding', 'onboarding'] });
    expect(created).toMatchObject({ scopes: ['decisions:read'], useCases: ['onboarding'] });
  });

  it('gives a key that names no use cases and no rate all use cases and the configured rate', async () => {
    const { service } = setUp();
    const created = await service.create(PAYMENTS);
    expect(created).toMatchObject({ useCases: null, rateLimitPerSecond: null });
    await expect(service.authenticate(created.key)).resolves.toMatchObject({ useCases: null, rateLimitPerSecond: null });
  });

  it("logs the new key's id and scopes for the audit trail, never its secret", async () => {
    const log = jest.spyOn(Logger.prototype, 'log').mockImplementation(() => undefined);
    const { service } = setUp();
    const created = await service.create({ label: 'ops', scopes: ['admin', 'cases:read'] });
    expect(log).toHaveBeenCalledWith(`API key ${created.id} created (admin, cases:read)`);
    expect(JSON.stringify(log.mock.calls)).not.toContain(created.key);
  });
});

describe('ApiKeyService: refusing invalid keys', () => {
  const SCOPE_LIST = 'decisions:write, decisions:read, policies:read, cases:read, cases:write, admin';
  const POLICY_IDS = 'useCases must be policy ids (a-z, 0-9, _)';
  const RATE = 'rateLimitPerSecond must be an integer from 1 to 100000';

  it.each<[string, NewApiKey, string]>([
    ['an empty label', { ...PAYMENTS, label: '' }, 'label must be 1 to 100 characters'],
    ['a label of 101 characters', { ...PAYMENTS, label: 'x'.repeat(101) }, 'label must be 1 to 100 characters'],
    ['no scopes', { ...PAYMENTS, scopes: [] }, `scopes must be some of ${SCOPE_LIST}`],
    ['an unknown scope', { ...PAYMENTS, scopes: ['superuser' as Scope] }, `scopes must be some of ${SCOPE_LIST}`],
    ['an unknown scope beside a known one', { ...PAYMENTS, scopes: ['decisions:read', 'superuser' as Scope] }, `scopes must be some of ${SCOPE_LIST}`],
    ['an empty use case list (it would allow nothing)', { ...PAYMENTS, useCases: [] }, POLICY_IDS],
    ['a use case that is not a policy id', { ...PAYMENTS, useCases: ['Onboarding'] }, POLICY_IDS],
    ['one bad use case among good ones', { ...PAYMENTS, useCases: ['onboarding', 'p2p-recipient'] }, POLICY_IDS],
    ['a use case without a policy', { ...PAYMENTS, useCases: ['lending'] }, 'useCases: no policy for lending (known: onboarding, p2p_recipient)'],
    ['use cases without a policy among known ones', { ...PAYMENTS, useCases: ['lending', 'onboarding', 'loans'] }, 'useCases: no policy for lending, loans (known: onboarding, p2p_recipient)'],
    ['an admin key limited to use cases', { label: 'ops', scopes: ['admin'], useCases: ['onboarding'] }, 'an admin key cannot be limited to use cases (it manages keys for all of them)'],
    ['a rate of 0', { ...PAYMENTS, rateLimitPerSecond: 0 }, RATE],
    ['a rate above 100000', { ...PAYMENTS, rateLimitPerSecond: 100_001 }, RATE],
    ['a fractional rate', { ...PAYMENTS, rateLimitPerSecond: 1.5 }, RATE],
  ])('refuses %s with 400, and stores nothing', async (_case, request, message) => {
    const { service, repository } = setUp();
    await expect(service.create(request)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', message });
    expect(repository.rows.size).toBe(0);
  });

  it.each<[string, NewApiKey]>([
    ['a label of 1 character', { ...PAYMENTS, label: 'x' }],
    ['a label of 100 characters', { ...PAYMENTS, label: 'x'.repeat(100) }],
    ['every scope', { label: 'all', scopes: ['decisions:write', 'decisions:read', 'policies:read', 'cases:read', 'cases:write', 'admin'] }],
    ['an unlimited admin key (use cases null)', { label: 'ops', scopes: ['admin'], useCases: null }],
    ['a key limited to the policies there are', { ...PAYMENTS, useCases: ['p2p_recipient', 'onboarding'] }],
    ['a rate of 1', { ...PAYMENTS, rateLimitPerSecond: 1 }],
    ['a rate of 100000', { ...PAYMENTS, rateLimitPerSecond: 100_000 }],
    ['no rate (the configured default)', { ...PAYMENTS, rateLimitPerSecond: null }],
  ])('accepts %s', async (_case, request) => {
    const { service, repository } = setUp();
    const created = await service.create(request);
    expect(repository.rows.has(created.id)).toBe(true);
  });

  it('names every problem of a request at once', async () => {
    const { service } = setUp();
    await expect(service.create({ label: '', scopes: [], rateLimitPerSecond: 0 })).rejects.toMatchObject({
      message: `label must be 1 to 100 characters; scopes must be some of ${SCOPE_LIST}; ${RATE}`,
    });
  });
});

describe('ApiKeyService: use cases published in the database', () => {
  it('accepts a use case whose policy is published in the database when POLICY_SOURCE=database', async () => {
    const { service, repository } = setUp({ POLICY_SOURCE: 'database' });
    repository.published = ['account_recovery'];
    await expect(service.create({ ...PAYMENTS, useCases: ['account_recovery', 'onboarding'] })).resolves.toMatchObject({ useCases: ['account_recovery', 'onboarding'] });
  });

  it('lists the known use cases in order, the published ones among the files', async () => {
    const { service, repository } = setUp({ POLICY_SOURCE: 'database' });
    repository.published = ['account_recovery'];
    await expect(service.create({ ...PAYMENTS, useCases: ['lending'] })).rejects.toMatchObject({
      message: 'useCases: no policy for lending (known: account_recovery, onboarding, p2p_recipient)',
    });
  });

  it('ignores the database when policies come from the rules folder', async () => {
    const { service, repository } = setUp({ POLICY_SOURCE: 'files' });
    repository.published = ['account_recovery'];
    await expect(service.create({ ...PAYMENTS, useCases: ['account_recovery'] })).rejects.toMatchObject({
      message: 'useCases: no policy for account_recovery (known: onboarding, p2p_recipient)',
    });
  });
});

describe('ApiKeyService: listing and revoking', () => {
  it('lists every key, revoked ones with the time of revocation, none with its secret', async () => {
    const { service, at } = setUp();
    const kept = await service.create(PAYMENTS);
    const gone = await service.create({ label: 'old', scopes: ['cases:read'] });
    at(60_000);
    await service.revoke(gone.id);
    await expect(service.list()).resolves.toEqual([
      { id: kept.id, label: 'payments', scopes: ['decisions:write'], useCases: null, rateLimitPerSecond: null, createdAt: NOW.toISOString(), revokedAt: null },
      { id: gone.id, label: 'old', scopes: ['cases:read'], useCases: null, rateLimitPerSecond: null, createdAt: NOW.toISOString(), revokedAt: '2026-06-15T12:01:00.000Z' },
    ]);
  });

  it('says whether any key can call the API: none on a fresh install, none once the last is revoked', async () => {
    const { service } = setUp();
    await expect(service.anyUsable()).resolves.toBe(false);
    const created = await service.create(PAYMENTS);
    await expect(service.anyUsable()).resolves.toBe(true);
    await service.revoke(created.id);
    await expect(service.anyUsable()).resolves.toBe(false);
  });

  it('revokes a key at once on this instance, even while its lookup is cached', async () => {
    const { service, repository, at } = setUp();
    const created = await service.create(PAYMENTS);
    await expect(service.authenticate(created.key)).resolves.toBeDefined();
    at(1000);
    await expect(service.revoke(created.id)).resolves.toMatchObject({ id: created.id, revokedAt: '2026-06-15T12:00:01.000Z' });
    expect(repository.rows.get(created.id)?.revokedAt).toEqual(new Date(NOW.getTime() + 1000));
    await expect(service.authenticate(created.key)).resolves.toBeUndefined();
  });

  it('answers 404 to revoking a key twice, an unknown id or a malformed one', async () => {
    const { service } = setUp();
    const created = await service.create(PAYMENTS);
    await service.revoke(created.id);
    for (const id of [created.id, '0123456789abcdef', 'not a key id']) {
      await expect(service.revoke(id)).rejects.toMatchObject({ code: 'NOT_FOUND', message: 'API key not found or already revoked' });
    }
  });

  it('logs each revocation for the audit trail', async () => {
    const log = jest.spyOn(Logger.prototype, 'log').mockImplementation(() => undefined);
    const { service } = setUp();
    const created = await service.create(PAYMENTS);
    await service.revoke(created.id);
    expect(log).toHaveBeenLastCalledWith(`API key ${created.id} revoked`);
  });
});

describe('ApiKeyService: authenticating', () => {
  it('refuses a malformed key, an unknown id, a wrong secret and a revoked key alike', async () => {
    const { service } = setUp();
    const created = await service.create(PAYMENTS);
    const revoked = await service.create(PAYMENTS);
    await service.revoke(revoked.id);
    const wrongSecret = `lt_${created.id}_${'B'.repeat(43)}`;
    for (const presented of ['', 'Bearer nonsense', created.key.slice(0, -1), madeUpKey(1), wrongSecret, revoked.key]) {
      await expect(service.authenticate(presented)).resolves.toBeUndefined();
    }
    await expect(service.authenticate(created.key)).resolves.toMatchObject({ keyId: created.id });
  });

  it('reads a key once per API_KEY_CACHE_TTL_S: a revocation elsewhere takes effect when the TTL ends', async () => {
    const { service, repository, at } = setUp({ API_KEY_CACHE_TTL_S: '10' });
    const created = await service.create(PAYMENTS);
    await service.authenticate(created.key);
    repository.revokeElsewhere(created.id, NOW);
    at(9_999);
    await expect(service.authenticate(created.key)).resolves.toBeDefined();
    expect(repository.readsOf(created.id)).toBe(1);
    at(10_000);
    await expect(service.authenticate(created.key)).resolves.toBeUndefined();
    expect(repository.readsOf(created.id)).toBe(2);
  });

  it('remembers an unknown id for the TTL too: a key inserted meanwhile works once the TTL ends', async () => {
    const { service, repository, at } = setUp({ API_KEY_CACHE_TTL_S: '10' });
    const { id, secret, key } = generateKey();
    await expect(service.authenticate(key)).resolves.toBeUndefined();
    await repository.insert({ ...RECORD, id, secretHash: hashSecret(secret) }); // by another instance, say
    at(9_999);
    await expect(service.authenticate(key)).resolves.toBeUndefined();
    expect(repository.readsOf(id)).toBe(1);
    at(10_000);
    await expect(service.authenticate(key)).resolves.toMatchObject({ keyId: id });
    expect(repository.readsOf(id)).toBe(2);
  });

  it('reads the key on every use with API_KEY_CACHE_TTL_S=0, even when the clock steps back', async () => {
    const { service, repository, at } = setUp({ API_KEY_CACHE_TTL_S: '0' });
    const created = await service.create(PAYMENTS);
    await service.authenticate(created.key);
    await service.authenticate(created.key);
    expect(repository.readsOf(created.id)).toBe(2);
    at(-5_000); // the system clock corrected backwards
    repository.revokeElsewhere(created.id, NOW);
    await expect(service.authenticate(created.key)).resolves.toBeUndefined();
  });

  it('caches each key used, not only the last one', async () => {
    const { service, repository } = setUp();
    const first = await service.create(PAYMENTS);
    const second = await service.create(PAYMENTS);
    for (const key of [first.key, second.key, first.key, second.key]) await service.authenticate(key);
    expect([repository.readsOf(first.id), repository.readsOf(second.id)]).toEqual([1, 1]);
  });

  it('bounds the cache of unknown ids, oldest out first, and a flood of them never pushes out a key in use', async () => {
    const { service, repository } = setUp();
    const created = await service.create(PAYMENTS);
    await service.authenticate(created.key);
    for (let n = 0; n <= MAX_CACHED_KEYS; n += 1) await service.authenticate(madeUpKey(n));
    // The flood was one id too many: the first made-up id is gone, the second is still there.
    await service.authenticate(madeUpKey(1));
    expect(repository.readsOf(idOf(madeUpKey(1)))).toBe(1);
    await service.authenticate(madeUpKey(0));
    expect(repository.readsOf(idOf(madeUpKey(0)))).toBe(2);
    await expect(service.authenticate(created.key)).resolves.toBeDefined();
    expect(repository.readsOf(created.id)).toBe(1);
  });
});

describe('ApiKeyService: revocations across instances', () => {
  afterEach(() => jest.useRealTimers());

  it('drops a key revoked on another instance from the cache: its next use is refused', async () => {
    const { service, repository } = setUp({ FLEET_STATE: 'database' });
    const revokedSince = jest.spyOn(repository, 'revokedSince');
    const created = await service.create(PAYMENTS);
    await expect(service.authenticate(created.key)).resolves.toMatchObject({ scopes: ['decisions:write'] });
    repository.revokeElsewhere(created.id, NOW);
    // Cached: still trusted until a poll says otherwise (the clock is fixed, the TTL never ends).
    await expect(service.authenticate(created.key)).resolves.toBeDefined();
    expect(repository.readsOf(created.id)).toBe(1);
    await service.dropRevoked();
    expect(revokedSince).toHaveBeenCalledWith(new Date(NOW.getTime() - 30_000));
    await expect(service.authenticate(created.key)).resolves.toBeUndefined();
  });

  it('polls every second with shared fleet state, and never with local state', async () => {
    jest.useFakeTimers();
    const shared = setUp({ FLEET_STATE: 'database' });
    const local = setUp({ FLEET_STATE: 'local' });
    const sharedPolls = jest.spyOn(shared.repository, 'revokedSince');
    const localPolls = jest.spyOn(local.repository, 'revokedSince');
    shared.service.onApplicationBootstrap();
    local.service.onApplicationBootstrap();
    await jest.advanceTimersByTimeAsync(3 * REVOCATION_POLL_MS);
    expect(sharedPolls).toHaveBeenCalledTimes(3);
    expect(localPolls).not.toHaveBeenCalled();
    shared.service.onModuleDestroy();
    await jest.advanceTimersByTimeAsync(3 * REVOCATION_POLL_MS);
    expect(sharedPolls).toHaveBeenCalledTimes(3);
  });

  it('does not poll with the cache off (API_KEY_CACHE_TTL_S=0): there is nothing cached to drop', async () => {
    jest.useFakeTimers();
    const { service, repository } = setUp({ FLEET_STATE: 'database', API_KEY_CACHE_TTL_S: '0' });
    const polls = jest.spyOn(repository, 'revokedSince');
    service.onApplicationBootstrap();
    await jest.advanceTimersByTimeAsync(3 * REVOCATION_POLL_MS);
    expect(polls).not.toHaveBeenCalled();
    service.onModuleDestroy();
  });

  it('runs one poll at a time: a slow read is not stacked by the next ticks', async () => {
    jest.useFakeTimers();
    const { service, repository } = setUp({ FLEET_STATE: 'database' });
    let answer: (ids: string[]) => void = () => undefined;
    const polls = jest.spyOn(repository, 'revokedSince').mockImplementationOnce(() => new Promise((resolve) => (answer = resolve)));
    service.onApplicationBootstrap();
    await jest.advanceTimersByTimeAsync(3 * REVOCATION_POLL_MS);
    expect(polls).toHaveBeenCalledTimes(1);
    answer([]);
    await jest.advanceTimersByTimeAsync(REVOCATION_POLL_MS);
    expect(polls).toHaveBeenCalledTimes(2);
    service.onModuleDestroy();
  });

  it('keeps serving from the cache when the poll fails, and says so', async () => {
    const { service, repository } = setUp({ FLEET_STATE: 'database' });
    const created = await service.create(PAYMENTS);
    await service.authenticate(created.key);
    jest.spyOn(repository, 'revokedSince').mockRejectedValueOnce(new Error('connection refused'));
    const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    await expect(service.dropRevoked()).resolves.toBeUndefined();
    expect(warn).toHaveBeenCalledWith(expect.stringContaining('could not read revoked keys'));
    await expect(service.authenticate(created.key)).resolves.toBeDefined();
  });
});
