import { Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { describeRemoved, PrivacyService } from './privacy.service';

/**
 * Runs the retention purge every RETENTION_INTERVAL_MINUTES (0: never; `npm run privacy --
 * purge` then does it). The first run comes one interval after start, not at start: a fleet
 * restarting together would otherwise all purge at once, while it warms up.
 */
@Injectable()
export class RetentionJob implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(RetentionJob.name);
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private readonly stopping = new AbortController();

  constructor(
    private readonly privacy: PrivacyService,
    private readonly config: AppConfig,
  ) {}

  onApplicationBootstrap(): void {
    const minutes = this.config.RETENTION_INTERVAL_MINUTES;
    if (minutes === 0) return;
    this.timer = setInterval(() => void this.runOnce(), minutes * 60_000);
    // The timer alone must not keep a process alive (a test, a CLI that built the app).
    this.timer.unref();
  }

  /**
   * One purge. A run that comes while the previous one is still going is skipped, not
   * queued: two purges of the same rows would only compete for the same locks. Never rejects.
   */
  runOnce(): Promise<void> {
    if (this.running) {
      this.logger.warn('retention purge skipped: the previous run is still going');
      return this.running;
    }
    this.running = this.purge().finally(() => (this.running = undefined));
    return this.running;
  }

  /** Stops the timer and ends a run in progress after its current batch (before the database closes). */
  async onModuleDestroy(): Promise<void> {
    clearInterval(this.timer);
    this.stopping.abort();
    await this.running;
  }

  private async purge(): Promise<void> {
    try {
      const report = await this.privacy.purge(undefined, { signal: this.stopping.signal });
      const kept = report.cutoff ? `made before ${report.cutoff.toISOString()}` : 'none: RETENTION_DAYS=0 keeps them';
      const line = `retention purge: removed ${describeRemoved(report)} (decisions ${kept})`;
      if (report.decisions + report.idempotencyKeys > 0) this.logger.log(line);
      else this.logger.debug(line);
    } catch (error) {
      // The next run tries again; the service keeps deciding meanwhile.
      this.logger.error(`retention purge failed: ${(error as Error).message}`, (error as Error).stack);
    }
  }
}
