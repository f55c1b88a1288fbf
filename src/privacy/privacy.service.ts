import { Injectable, Logger, Optional } from '@nestjs/common';
import { InvalidArgumentError } from '../common/errors/domain.error';
import { hashPhoneNumber, keyedHash, maskPhoneNumber } from '../common/phone/phone-number';
import { Clock } from '../common/time/clock';
import { AppConfig } from '../config/app-config';
import { SignalGateway } from '../signals/signal-gateway';
import { PrivacyRepository, RemovedCounts } from './privacy.repository';

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;

export interface PurgeReport extends RemovedCounts {
  /** Decisions made before this instant were removed; null when decisions are kept forever. */
  cutoff: Date | null;
}

export type ErasureReport = RemovedCounts;

/** Exactly one of the two: checked here, so the API and the CLI refuse the same requests. */
export interface ErasureRequest {
  phoneNumber?: string;
  subjectId?: string;
}

export interface PurgeOptions {
  /** Overrides RETENTION_DAYS for this run (the CLI's --older-than-days). */
  olderThanDays?: number;
  /** Stops between batches (shutdown). */
  signal?: AbortSignal;
}

/** Retention (what is too old to keep) and erasure (what someone asked to be forgotten). */
@Injectable()
export class PrivacyService {
  private readonly logger = new Logger(PrivacyService.name);

  constructor(
    private readonly repository: PrivacyRepository,
    private readonly clock: Clock,
    private readonly config: AppConfig,
    /** Absent in the CLI, which has no signal cache of its own. */
    @Optional() private readonly signals?: SignalGateway,
  ) {}

  /**
   * Removes the decisions older than the retention period (none when it is 0: kept forever)
   * and the idempotency records older than IDEMPOTENCY_TTL_HOURS, in batches.
   */
  async purge(now: Date = this.clock.now(), options: PurgeOptions = {}): Promise<PurgeReport> {
    const batch = { batchSize: this.config.RETENTION_BATCH_SIZE, signal: options.signal };
    const days = options.olderThanDays ?? this.config.RETENTION_DAYS;
    const cutoff = days > 0 ? new Date(now.getTime() - days * DAY_MS) : null;
    const removed = cutoff ? await this.repository.purgeDecisionsBefore(cutoff, batch) : { decisions: 0, idempotencyKeys: 0 };
    const expired = await this.repository.purgeIdempotencyKeysBefore(new Date(now.getTime() - this.config.IDEMPOTENCY_TTL_HOURS * HOUR_MS), batch);
    return { decisions: removed.decisions, idempotencyKeys: removed.idempotencyKeys + expired, cutoff };
  }

  /**
   * Removes every decision of a phone number (found by its keyed hash) or of a subjectId, and
   * the idempotency records that point at them. Deleted, not anonymised: the signal answers
   * and context of a decision can identify the person as well as the number does. The audit
   * line names who asked and whose data went, masked (a number) or as a keyed hash prefix (a
   * subjectId): it must not keep what it erased.
   */
  async erase(request: ErasureRequest, requestedBy: string): Promise<ErasureReport> {
    const { phoneNumber, subjectId } = request;
    if ((phoneNumber === undefined) === (subjectId === undefined)) {
      throw new InvalidArgumentError('give exactly one of phoneNumber or subjectId');
    }
    const batch = { batchSize: this.config.RETENTION_BATCH_SIZE };
    const phoneNumberHash = phoneNumber === undefined ? undefined : hashPhoneNumber(phoneNumber, this.config.hashKey);
    const removed =
      phoneNumberHash !== undefined
        ? await this.repository.eraseDecisions({ phoneNumberHash }, batch)
        : await this.repository.eraseDecisions({ subjectId: subjectId as string }, batch);
    // The operator's cached answers about the number go too: a decision right after the
    // erasure must not be made on them. The shared cache's rows (every instance's, and the
    // CLI's way to reach them), then this instance's in-memory cache when it has one.
    if (phoneNumberHash !== undefined) {
      await this.repository.forgetCachedAnswers(phoneNumberHash);
      await this.signals?.forgetNumber(phoneNumberHash);
    }
    const whose = phoneNumber !== undefined ? `phone number ${maskPhoneNumber(phoneNumber)}` : `subjectId#${subjectIdTag(subjectId as string, this.config.hashKey)}`;
    this.logger.log(`erasure by ${requestedBy}: ${whose}: removed ${describeRemoved(removed)}`);
    return removed;
  }
}

/**
 * How the audit line names an erased subjectId: the first 12 hex digits of its HMAC-SHA256
 * under PHONE_NUMBER_HASH_KEY. The id itself is what was erased (an account id can name the
 * person); whoever holds the key can still match a line to a request, and 48 bits keep two
 * subjects apart in any realistic log.
 */
function subjectIdTag(subjectId: string, key: string): string {
  return keyedHash(subjectId, key).slice(0, 12);
}

/** "3 decisions and 1 idempotency key": for log lines and the CLI. */
export function describeRemoved(counts: RemovedCounts): string {
  const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
  return `${plural(counts.decisions, 'decision')} and ${plural(counts.idempotencyKeys, 'idempotency key')}`;
}
