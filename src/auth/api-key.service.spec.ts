import { Logger } from '@nestjs/common';
import { FixedClock } from '../common/time/clock';
import { validateConfig } from '../config/app-config';
import { generateKey, hashSecret } from './api-key-secret';
import { ApiKeyRecord, ApiKeyRepository } from './api-key.repository';
import { ApiKeyService, REVOCATION_POLL_MS } from './api-key.service';

const NOW = new Date('2026-06-15T12:00:00Z');

/** One key in a table that another instance may revoke behind this one's back. */
function setUp(env: Record<string, string>) {
  const { id, secret, key } = generateKey();
  const record: ApiKeyRecord = {
    id,
    label: 'payments',
    secretHash: hashSecret(secret),
    scopes: ['decisions:write'],
    useCases: null,
    rateLimitPerSecond: null,
    createdAt: NOW,
    revokedAt: null,
  };
  const repository = {
    findById: jest.fn(async () => ({ ...record })),
    revokedSince: jest.fn(async (since: Date) => (record.revokedAt && record.revokedAt >= since ? [id] : [])),
  };
  const config = validateConfig({ NODE_ENV: 'test', API_KEY_CACHE_TTL_S: '10', ...env });
  const service = new ApiKeyService(repository as unknown as ApiKeyRepository, new FixedClock(NOW), config);
  const revokeElsewhere = () => (record.revokedAt = NOW);
  return { service, repository, key, revokeElsewhere };
}

describe('ApiKeyService revocations across instances', () => {
  afterEach(() => jest.useRealTimers());

  it('drops a key revoked on another instance from the cache: its next use is refused', async () => {
    const { service, repository, key, revokeElsewhere } = setUp({ FLEET_STATE: 'database' });
    await expect(service.authenticate(key)).resolves.toMatchObject({ scopes: ['decisions:write'] });
    revokeElsewhere();
    // Cached: still trusted until a poll says otherwise (the clock is fixed, the TTL never ends).
    await expect(service.authenticate(key)).resolves.toBeDefined();
    expect(repository.findById).toHaveBeenCalledTimes(1);
    await service.dropRevoked();
    expect(repository.revokedSince).toHaveBeenCalledWith(new Date(NOW.getTime() - 30_000));
    await expect(service.authenticate(key)).resolves.toBeUndefined();
  });

  it('polls every second with shared fleet state, and never with local state', async () => {
    jest.useFakeTimers();
    const shared = setUp({ FLEET_STATE: 'database' });
    const local = setUp({ FLEET_STATE: 'local' });
    shared.service.onApplicationBootstrap();
    local.service.onApplicationBootstrap();
    await jest.advanceTimersByTimeAsync(3 * REVOCATION_POLL_MS);
    expect(shared.repository.revokedSince).toHaveBeenCalledTimes(3);
    expect(local.repository.revokedSince).not.toHaveBeenCalled();
    shared.service.onModuleDestroy();
    await jest.advanceTimersByTimeAsync(3 * REVOCATION_POLL_MS);
    expect(shared.repository.revokedSince).toHaveBeenCalledTimes(3);
  });

  it('keeps serving from the cache when the poll fails, and says so', async () => {
    const { service, repository, key } = setUp({ FLEET_STATE: 'database' });
    await service.authenticate(key);
    repository.revokedSince.mockRejectedValueOnce(new Error('connection refused'));
    const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    await expect(service.dropRevoked()).resolves.toBeUndefined();
    expect(warn).toHaveBeenCalledWith(expect.stringContaining('could not read revoked keys'));
    warn.mockRestore();
    await expect(service.authenticate(key)).resolves.toBeDefined();
  });
});
