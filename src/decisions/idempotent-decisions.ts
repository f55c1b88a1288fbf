import { createHmac } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { Injectable } from '@nestjs/common';
import { Principal } from '../auth/scopes';
import { ConflictError } from '../common/errors/domain.error';
import { Clock } from '../common/time/clock';
import { AppConfig } from '../config/app-config';
import { DecisionService } from './decision.service';
import { DecisionView } from './decision.types';
import { CreateDecisionDto } from './dto/create-decision.dto';
import { IdempotencyClaim, IdempotencyRepository } from './idempotency.repository';

export interface IdempotentResult {
  decision: DecisionView;
  /** True when the decision was made by an earlier request with the same Idempotency-Key. */
  replayed: boolean;
}

/** JSON with sorted keys: the same body sent with its fields in another order is the same request. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value).filter(([, v]) => v !== undefined).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

const POLL_MS = 50;

/**
 * POST /v1/decisions with an Idempotency-Key: a retry with the same key and body answers the
 * decision first made (same id, no new row, no signal call); the same key with another body is
 * 409. Concurrent retries: on one instance they wait for the first one's promise; across
 * instances the database claim (primary key per API key and Idempotency-Key) decides who makes
 * the decision, and the others poll for it.
 */
@Injectable()
export class IdempotentDecisions {
  private readonly inFlight = new Map<string, { requestHash: string; result: Promise<DecisionView> }>();

  constructor(
    private readonly decisions: DecisionService,
    private readonly repository: IdempotencyRepository,
    private readonly clock: Clock,
    private readonly config: AppConfig,
  ) {}

  async decide(request: CreateDecisionDto, correlator: string, caller: Principal, idempotencyKey?: string): Promise<IdempotentResult> {
    if (idempotencyKey === undefined) return { decision: await this.decisions.decide(request, correlator, caller), replayed: false };
    // Keyed: the body holds a phone number, which a plain hash would not hide.
    const requestHash = createHmac('sha256', this.config.hashKey).update(canonical(request)).digest('hex');
    const local = `${caller.keyId}\u0000${idempotencyKey}`;
    const running = this.inFlight.get(local);
    if (running) {
      this.assertSameRequest(running.requestHash, requestHash);
      return { decision: await running.result, replayed: true };
    }
    const attempt = this.claimAndDecide(request, correlator, caller, idempotencyKey, requestHash);
    const result = attempt.then((r) => r.decision);
    // Only concurrent retries await it; a failure is theirs to see, never an unhandled rejection.
    result.catch(() => undefined);
    this.inFlight.set(local, { requestHash, result });
    try {
      return await attempt;
    } finally {
      this.inFlight.delete(local);
    }
  }

  private async claimAndDecide(
    request: CreateDecisionDto,
    correlator: string,
    caller: Principal,
    key: string,
    requestHash: string,
  ): Promise<IdempotentResult> {
    const claim: IdempotencyClaim = { apiKeyId: caller.keyId, key, requestHash, decisionId: null, createdAt: this.clock.now() };
    const deadline = Date.now() + this.staleAfterMs();
    for (;;) {
      if (await this.repository.claim(claim)) break;
      const existing = await this.repository.find(caller.keyId, key);
      if (!existing) continue; // released or purged meanwhile: claim again
      if (this.isExpired(existing)) {
        // Remembered long enough: the key starts afresh, whatever it was used for.
        await this.repository.release(caller.keyId, key, existing.createdAt);
        continue;
      }
      this.assertSameRequest(existing.requestHash, requestHash);
      if (existing.decisionId !== null) {
        const decision = await this.decisions.findStored(existing.decisionId);
        if (decision) return { decision, replayed: true };
        // The decision was erased or purged: the key is free again.
        await this.repository.release(caller.keyId, key, existing.createdAt);
        continue;
      }
      if (this.isAbandoned(existing)) {
        await this.repository.release(caller.keyId, key, existing.createdAt);
        continue;
      }
      // Another instance is deciding this very request: wait for its answer.
      if (Date.now() > deadline) throw new ConflictError('A request with this Idempotency-Key is still being processed; retry later.');
      await sleep(POLL_MS);
    }
    try {
      const decision = await this.decisions.decide(request, correlator, caller);
      await this.repository.complete(caller.keyId, key, decision.id);
      return { decision, replayed: false };
    } catch (error) {
      // No decision was made (or it was not linked): a retry must be free to try again.
      await this.repository.release(caller.keyId, key, claim.createdAt).catch(() => undefined);
      throw error;
    }
  }

  private assertSameRequest(stored: string, presented: string): void {
    if (stored !== presented) {
      throw new ConflictError('This Idempotency-Key was already used with a different request body; use a new key for a new request.');
    }
  }

  /** Longer than any decision can take: a claim this old without a decision lost its instance. */
  private staleAfterMs(): number {
    return this.config.DECISION_DEADLINE_MS * 2 + 5000;
  }

  private isAbandoned(claim: IdempotencyClaim): boolean {
    return this.clock.now().getTime() - claim.createdAt.getTime() > this.staleAfterMs();
  }

  private isExpired(claim: IdempotencyClaim): boolean {
    return this.clock.now().getTime() - claim.createdAt.getTime() > this.config.IDEMPOTENCY_TTL_HOURS * 3_600_000;
  }
}
