import { Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import { Client } from 'pg';
import { AppConfig } from '../config/app-config';
import { parseDatabaseUrl } from '../prisma/database-url';
import { POLICY_CHANNEL, PolicyChangeNotice } from './active-policy.repository';

/**
 * Tells the registry (database mode) when the fleet's active policies may have changed. On
 * PostgreSQL a dedicated connection LISTENs for the NOTIFY an activation sends in its own
 * transaction, so every instance switches within moments; a cheap poll every POLICY_POLL_MS is
 * the safety net (a dropped connection, a notice missed while reconnecting), and on SQLite,
 * which has no notifications, it is the way.
 */
@Injectable()
export class PolicyChangeFeed implements OnModuleDestroy {
  private readonly logger = new Logger(PolicyChangeFeed.name);
  private timer?: NodeJS.Timeout;
  private listener?: Client;
  private connecting = false;
  private stopped = false;
  private onChange: () => void = () => undefined;

  constructor(private readonly config: AppConfig) {}

  async start(onChange: () => void): Promise<void> {
    this.onChange = onChange;
    this.timer = setInterval(() => {
      void this.listen();
      this.onChange();
    }, this.config.POLICY_POLL_MS);
    this.timer.unref();
    await this.listen();
  }

  /** Whether notifications are heard now (PostgreSQL with its connection up). */
  get listening(): boolean {
    return this.listener !== undefined && !this.connecting;
  }

  async onModuleDestroy(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    const listener = this.listener;
    this.listener = undefined;
    await listener?.end().catch(() => undefined);
  }

  /** (Re)opens the listening connection on PostgreSQL; a failure is logged and retried at the next poll. */
  private async listen(): Promise<void> {
    const target = parseDatabaseUrl(this.config.DATABASE_URL);
    if (target.provider !== 'postgres' || this.listener || this.connecting || this.stopped) return;
    this.connecting = true;
    const client = new Client({ connectionString: target.connectionString });
    const lost = (reason: string) => {
      if (this.listener !== client) return;
      this.listener = undefined;
      if (!this.stopped) this.logger.warn(`policy notifications lost (${reason}); polling every ${this.config.POLICY_POLL_MS} ms until reconnected`);
      void client.end().catch(() => undefined);
    };
    client.on('error', (error) => lost(error.message));
    client.on('end', () => lost('connection closed'));
    client.on('notification', (message) => {
      if (message.channel !== POLICY_CHANNEL) return;
      // Other schemas of the same database (other deployments, test files) use the channel too.
      const notice = safeParse(message.payload);
      if (!notice || notice.schema === target.schema) this.onChange();
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${POLICY_CHANNEL}`);
      if (this.stopped) {
        await client.end();
        return;
      }
      this.listener = client;
      // A change made while nobody listened is picked up now, not at the next poll.
      this.onChange();
    } catch (error) {
      this.logger.warn(`cannot listen for policy changes (${(error as Error).message}); polling every ${this.config.POLICY_POLL_MS} ms`);
      await client.end().catch(() => undefined);
    } finally {
      this.connecting = false;
    }
  }
}

function safeParse(payload: string | undefined): PolicyChangeNotice | undefined {
  try {
    return payload ? (JSON.parse(payload) as PolicyChangeNotice) : undefined;
  } catch {
    return undefined;
  }
}
