import { Logger } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { PrivacyService, PurgeReport } from './privacy.service';
import { RetentionJob } from './retention.job';

const MINUTE = 60_000;
const REPORT: PurgeReport = { decisions: 3, idempotencyKeys: 1, cutoff: new Date('2025-06-15T12:00:00Z') };

function setUp(intervalMinutes: number, purge: jest.Mock) {
  const config = Object.assign(new AppConfig(), { RETENTION_INTERVAL_MINUTES: intervalMinutes });
  const job = new RetentionJob({ purge } as unknown as PrivacyService, config);
  job.onApplicationBootstrap();
  return job;
}

/** Fake timers: the schedule is checked by moving time, never by waiting for it. */
describe('RetentionJob', () => {
  let logs: { log: jest.SpyInstance; debug: jest.SpyInstance; error: jest.SpyInstance; warn: jest.SpyInstance };
  beforeEach(() => {
    jest.useFakeTimers();
    logs = {
      log: jest.spyOn(Logger.prototype, 'log').mockImplementation(() => undefined),
      debug: jest.spyOn(Logger.prototype, 'debug').mockImplementation(() => undefined),
      error: jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined),
      warn: jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined),
    };
  });
  afterEach(() => {
    jest.useRealTimers();
    jest.restoreAllMocks();
  });

  it('purges every RETENTION_INTERVAL_MINUTES, first one interval after start, and logs what it removed', async () => {
    const purge = jest.fn().mockResolvedValue(REPORT);
    const job = setUp(60, purge);
    await jest.advanceTimersByTimeAsync(59 * MINUTE);
    expect(purge).not.toHaveBeenCalled();
    await jest.advanceTimersByTimeAsync(MINUTE);
    expect(purge).toHaveBeenCalledTimes(1);
    await jest.advanceTimersByTimeAsync(60 * MINUTE);
    expect(purge).toHaveBeenCalledTimes(2);
    expect(logs.log).toHaveBeenCalledWith('retention purge: removed 3 decisions and 1 idempotency key (decisions made before 2025-06-15T12:00:00.000Z)');
    await job.onModuleDestroy();
  });

  // An operator reads the log for purges that removed something; an empty purge every interval
  // would only be noise there, so it goes to debug.
  it.each<[string, PurgeReport, 'log' | 'debug', string]>([
    ['only idempotency keys', { decisions: 0, idempotencyKeys: 2, cutoff: REPORT.cutoff }, 'log', 'removed 0 decisions and 2 idempotency keys (decisions made before 2025-06-15T12:00:00.000Z)'],
    ['only decisions', { decisions: 1, idempotencyKeys: 0, cutoff: REPORT.cutoff }, 'log', 'removed 1 decision and 0 idempotency keys (decisions made before 2025-06-15T12:00:00.000Z)'],
    ['nothing', { decisions: 0, idempotencyKeys: 0, cutoff: REPORT.cutoff }, 'debug', 'removed 0 decisions and 0 idempotency keys (decisions made before 2025-06-15T12:00:00.000Z)'],
    ['nothing, decisions kept forever', { decisions: 0, idempotencyKeys: 0, cutoff: null }, 'debug', 'removed 0 decisions and 0 idempotency keys (decisions none: RETENTION_DAYS=0 keeps them)'],
    ['keys, decisions kept forever', { decisions: 0, idempotencyKeys: 1, cutoff: null }, 'log', 'removed 0 decisions and 1 idempotency key (decisions none: RETENTION_DAYS=0 keeps them)'],
  ])('reports a purge that removed %s at %s level', async (_what, report, level, text) => {
    const purge = jest.fn().mockResolvedValue(report);
    const job = setUp(5, purge);
    await jest.advanceTimersByTimeAsync(5 * MINUTE);
    const other = level === 'log' ? 'debug' : 'log';
    expect(logs[level]).toHaveBeenCalledWith(`retention purge: ${text}`);
    expect(logs[other]).not.toHaveBeenCalled();
    await job.onModuleDestroy();
  });

  it('never runs with RETENTION_INTERVAL_MINUTES=0', async () => {
    const purge = jest.fn().mockResolvedValue(REPORT);
    const job = setUp(0, purge);
    await jest.advanceTimersByTimeAsync(7 * 24 * 60 * MINUTE);
    expect(purge).not.toHaveBeenCalled();
    await job.onModuleDestroy();
  });

  it('skips a run while the previous one is still going, then runs again', async () => {
    let finish!: (report: PurgeReport) => void;
    const purge = jest.fn().mockReturnValueOnce(new Promise((resolve) => (finish = resolve))).mockResolvedValue(REPORT);
    const job = setUp(5, purge);
    await jest.advanceTimersByTimeAsync(15 * MINUTE);
    expect(purge).toHaveBeenCalledTimes(1);
    expect(logs.warn).toHaveBeenCalledWith('retention purge skipped: the previous run is still going');
    finish(REPORT);
    await jest.advanceTimersByTimeAsync(5 * MINUTE);
    expect(purge).toHaveBeenCalledTimes(2);
    await job.onModuleDestroy();
  });

  it('logs a failed run instead of throwing, and tries again at the next interval', async () => {
    const purge = jest.fn().mockRejectedValueOnce(new Error('database is locked')).mockResolvedValue(REPORT);
    const job = setUp(5, purge);
    await jest.advanceTimersByTimeAsync(5 * MINUTE);
    expect(logs.error).toHaveBeenCalledWith('retention purge failed: database is locked', expect.any(String));
    await jest.advanceTimersByTimeAsync(5 * MINUTE);
    expect(purge).toHaveBeenCalledTimes(2);
    await job.onModuleDestroy();
  });

  it('on shutdown, stops the timer and asks a running purge to stop, waiting for it', async () => {
    let finish!: (report: PurgeReport) => void;
    const purge = jest.fn().mockReturnValue(new Promise((resolve) => (finish = resolve)));
    const job = setUp(5, purge);
    await jest.advanceTimersByTimeAsync(5 * MINUTE);
    const signal = (purge.mock.calls[0][1] as { signal: AbortSignal }).signal;
    let stopped = false;
    const stopping = job.onModuleDestroy().then(() => (stopped = true));
    expect(signal.aborted).toBe(true);
    await Promise.resolve();
    expect(stopped).toBe(false);
    finish(REPORT);
    await stopping;
    await jest.advanceTimersByTimeAsync(60 * MINUTE);
    expect(purge).toHaveBeenCalledTimes(1);
  });
});
