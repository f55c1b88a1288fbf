import { createHmac } from 'node:crypto';
import { Logger } from '@nestjs/common';
import { InvalidArgumentError } from '../common/errors/domain.error';
import { hashPhoneNumber } from '../common/phone/phone-number';
import { FixedClock } from '../common/time/clock';
import { AppConfig } from '../config/app-config';
import { PrivacyRepository } from './privacy.repository';
import { SignalGateway } from '../signals/signal-gateway';
import { PrivacyService } from './privacy.service';

const NOW = new Date('2026-06-15T12:00:00Z');

function setUp(settings: Partial<AppConfig> = {}) {
  const repository = {
    purgeDecisionsBefore: jest.fn().mockResolvedValue({ decisions: 4, idempotencyKeys: 1 }),
    purgeIdempotencyKeysBefore: jest.fn().mockResolvedValue(2),
    eraseDecisions: jest.fn().mockResolvedValue({ decisions: 3, idempotencyKeys: 1 }),
    forgetCachedAnswers: jest.fn().mockResolvedValue(2),
  };
  const config = Object.assign(new AppConfig(), { RETENTION_DAYS: 30, RETENTION_BATCH_SIZE: 50, IDEMPOTENCY_TTL_HOURS: 24, ...settings });
  const signals = { forgetNumber: jest.fn().mockResolvedValue(2) };
  const service = new PrivacyService(repository as unknown as PrivacyRepository, new FixedClock(NOW), config, signals as unknown as SignalGateway);
  return { service, repository, config, signals };
}

describe('PrivacyService.purge', () => {
  it('removes decisions older than RETENTION_DAYS and idempotency keys older than IDEMPOTENCY_TTL_HOURS, from the clock', async () => {
    const { service, repository } = setUp();
    expect(await service.purge()).toEqual({ decisions: 4, idempotencyKeys: 3, cutoff: new Date('2026-05-16T12:00:00Z') });
    expect(repository.purgeDecisionsBefore).toHaveBeenCalledWith(new Date('2026-05-16T12:00:00Z'), expect.objectContaining({ batchSize: 50 }));
    expect(repository.purgeIdempotencyKeysBefore).toHaveBeenCalledWith(new Date('2026-06-14T12:00:00Z'), expect.objectContaining({ batchSize: 50 }));
  });

  it('keeps every decision with RETENTION_DAYS=0, and still forgets expired idempotency keys', async () => {
    const { service, repository } = setUp({ RETENTION_DAYS: 0 });
    expect(await service.purge()).toEqual({ decisions: 0, idempotencyKeys: 2, cutoff: null });
    expect(repository.purgeDecisionsBefore).not.toHaveBeenCalled();
  });

  it('takes another age for one run (the CLI --older-than-days)', async () => {
    const { service, repository } = setUp({ RETENTION_DAYS: 0 });
    expect((await service.purge(NOW, { olderThanDays: 7 })).cutoff).toEqual(new Date('2026-06-08T12:00:00Z'));
    expect(repository.purgeDecisionsBefore).toHaveBeenCalledTimes(1);
  });
});

describe('PrivacyService.erase', () => {
  afterEach(() => jest.restoreAllMocks());

  it.each([[{}], [{ phoneNumber: '+34600000001', subjectId: 'customer-1' }]])('refuses %j: exactly one of phoneNumber or subjectId', async (request) => {
    const { service, repository } = setUp();
    await expect(service.erase(request, 'test')).rejects.toThrow(new InvalidArgumentError('give exactly one of phoneNumber or subjectId'));
    expect(repository.eraseDecisions).not.toHaveBeenCalled();
  });

  it('finds a number by its keyed hash, and the audit line names the caller and the masked number only', async () => {
    const log = jest.spyOn(Logger.prototype, 'log').mockImplementation(() => undefined);
    const { service, repository, config } = setUp();
    expect(await service.erase({ phoneNumber: '+34600000001' }, 'API key 0123456789abcdef')).toEqual({ decisions: 3, idempotencyKeys: 1 });
    expect(repository.eraseDecisions).toHaveBeenCalledWith({ phoneNumberHash: hashPhoneNumber('+34600000001', config.hashKey) }, { batchSize: 50 });
    expect(log).toHaveBeenCalledWith('erasure by API key 0123456789abcdef: phone number +34******001: removed 3 decisions and 1 idempotency key');
    expect(JSON.stringify(log.mock.calls)).not.toContain('600000001');
  });

  it('erases by subjectId, and the audit line names it by a keyed hash prefix only', async () => {
    const log = jest.spyOn(Logger.prototype, 'log').mockImplementation(() => undefined);
    const { service, repository, config } = setUp();
    await service.erase({ subjectId: 'customer-1' }, 'the privacy CLI');
    expect(repository.eraseDecisions).toHaveBeenCalledWith({ subjectId: 'customer-1' }, { batchSize: 50 });
    const tag = createHmac('sha256', config.hashKey).update('customer-1').digest('hex').slice(0, 12);
    expect(log).toHaveBeenCalledWith(`erasure by the privacy CLI: subjectId#${tag}: removed 3 decisions and 1 idempotency key`);
    expect(JSON.stringify(log.mock.calls)).not.toContain('customer-1');
  });

  it("drops the number's cached operator answers too, and only for an erasure by number", async () => {
    jest.spyOn(Logger.prototype, 'log').mockImplementation(() => undefined);
    const { service, config, signals, repository } = setUp();
    await service.erase({ subjectId: 'customer-1' }, 'test');
    expect(signals.forgetNumber).not.toHaveBeenCalled();
    expect(repository.forgetCachedAnswers).not.toHaveBeenCalled();
    await service.erase({ phoneNumber: '+34600000001' }, 'test');
    // Both: the shared cache's rows (every instance) and this instance's memory.
    expect(repository.forgetCachedAnswers).toHaveBeenCalledWith(hashPhoneNumber('+34600000001', config.hashKey));
    expect(signals.forgetNumber).toHaveBeenCalledWith(hashPhoneNumber('+34600000001', config.hashKey));
  });

  it('clears the shared cache without a signal gateway too (the CLI)', async () => {
    jest.spyOn(Logger.prototype, 'log').mockImplementation(() => undefined);
    const { repository, config } = setUp();
    const cli = new PrivacyService(repository as unknown as PrivacyRepository, new FixedClock(NOW), config);
    await cli.erase({ phoneNumber: '+34600000001' }, 'the privacy CLI');
    expect(repository.forgetCachedAnswers).toHaveBeenCalledWith(hashPhoneNumber('+34600000001', config.hashKey));
  });
});
