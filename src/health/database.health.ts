import { Injectable, Logger } from '@nestjs/common';
import { HealthIndicatorResult, HealthIndicatorService } from '@nestjs/terminus';
import { DatabasePingRepository } from './database-ping.repository';

/** A probe must answer before its orchestrator gives up on it (Kubernetes waits 1 s by default). */
const DATABASE_PING_TIMEOUT_MS = 1000;

/**
 * The database answers a read within DATABASE_PING_TIMEOUT_MS. Health routes are public: the
 * body says down and why in a few words; the driver's error (hosts, names) goes to the log.
 */
@Injectable()
export class DatabaseHealthIndicator {
  private readonly logger = new Logger(DatabaseHealthIndicator.name);

  constructor(
    private readonly indicators: HealthIndicatorService,
    private readonly database: DatabasePingRepository,
  ) {}

  async check(): Promise<HealthIndicatorResult<'database'>> {
    const session = this.indicators.check('database');
    const provider = this.database.provider;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), DATABASE_PING_TIMEOUT_MS)));
    try {
      const result = await Promise.race([this.database.ping().then(() => 'ok' as const), timeout]);
      if (result === 'ok') return session.up({ provider });
      this.logger.warn(`database ping: no answer within ${DATABASE_PING_TIMEOUT_MS} ms`);
      return session.down({ provider, message: `no answer within ${DATABASE_PING_TIMEOUT_MS} ms` });
    } catch (error) {
      this.logger.warn(`database ping failed: ${(error as Error).message}`);
      return session.down({ provider, message: 'the database refused the read' });
    } finally {
      clearTimeout(timer);
    }
  }
}
