import { setTimeout as sleep } from 'node:timers/promises';
import { Injectable } from '@nestjs/common';
import { Principal } from '../auth/scopes';
import { ConflictError, UnavailableError } from '../common/errors/domain.error';
import { keyedHash } from '../common/phone/phone-number';
import { Clock } from '../common/time/clock';
import { AppConfig } from '../config/app-config';
import { DecisionRepository } from './decision.repository';
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
    const fields = value as Record<string, unknown>;
    // The default sort orders strings by UTF-16 code units, as `<` does; keys are unique, so no tie.
    const keys = Object.keys(fields).filter((k) => fields[k] !== undefined).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonical(fields[k])}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

const POLL_MS = 50;

/**
 * A claim is identified by its creation time (the conditional writes compare it), so two claims
 * of one process never share a millisecond, even on a clock that stands still (tests). Across
 * instances a takeover comes a stale time later, never in the same millisecond.
 */
let lastClaimMs = 0;
function claimTime(now: Date): Date {
  lastClaimMs = Math.max(now.getTime(), lastClaimMs + 1);
  return new Date(lastClaimMs);
}

interface Request {
  body: CreateDecisionDto;
  correlator: string;
  caller: Principal;
  key: string;
  requestHash: string;
}

/**
 * POST /v1/decisions with an Idempotency-Key: a retry with the same key and body answers the
 * decision first made (same id, no new row, no signal call); the same key with another body is
 * 409. Concurrent retries: on one instance they wait for the first one's promise; across
 * instances a claim row (primary key per API key and Idempotency-Key) decides who makes the
 * decision, and the others poll for it. The decision and the claim's link to it are written in
 * one transaction, so a stored decision is always found by a retry.
 */
@Injectable()
export class IdempotentDecisionService {
  private readonly inFlight = new Map<string, { requestHash: string; result: Promise<DecisionView> }>();

  constructor(
    private readonly decisions: DecisionService,
    private readonly stored: DecisionRepository,
    private readonly claims: IdempotencyRepository,
    private readonly clock: Clock,
    private readonly config: AppConfig,
  ) {}

  async decide(body: CreateDecisionDto, correlator: string, caller: Principal, idempotencyKey?: string): Promise<IdempotentResult> {
    if (idempotencyKey === undefined) return { decision: await this.decisions.decide(body, correlator, caller), replayed: false };
    // Keyed: the body holds a phone number, which a plain hash would not hide.
    const requestHash = keyedHash(canonical(body), this.config.hashKey);
    const local = `${caller.keyId}\u0000${idempotencyKey}`;
    const running = this.inFlight.get(local);
    if (running) {
      assertSameRequest(running.requestHash, requestHash);
      return { decision: await running.result, replayed: true };
    }
    const attempt = this.claimOrReplay({ body, correlator, caller, key: idempotencyKey, requestHash });
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

  private async claimOrReplay(request: Request): Promise<IdempotentResult> {
    const { caller, key } = request;
    // Measured on this instance's own monotonic clock: another instance's clock may be skewed.
    let waitingSince: number | undefined;
    for (;;) {
      const claim: IdempotencyClaim = { apiKeyId: caller.keyId, key, requestHash: request.requestHash, decisionId: null, createdAt: claimTime(this.clock.now()) };
      if (await this.claims.claim(claim)) {
        const decision = await this.decideUnder(request, claim);
        if (decision) return { decision, replayed: false };
        continue; // another instance took the claim over: wait for its decision
      }
      const existing = await this.claims.find(caller.keyId, key);
      if (!existing) continue; // released or purged meanwhile: claim again
      if (this.isExpired(existing)) {
        // Remembered long enough: the key starts afresh, whatever it was used for.
        await this.claims.forget(caller.keyId, key, existing.createdAt);
        continue;
      }
      assertSameRequest(existing.requestHash, request.requestHash);
      if (existing.decisionId !== null) {
        const decision = await this.decisions.findStored(existing.decisionId);
        if (decision) return { decision, replayed: true };
        // The decision was erased or purged: the key is free again.
        await this.claims.forget(caller.keyId, key, existing.createdAt);
        continue;
      }
      // Another request is deciding under this key: wait for its decision. A claim that stays
      // pending far longer than any decision takes lost its instance: take it over. Should that
      // instance come back, its write finds the claim gone and stores nothing.
      waitingSince ??= performance.now();
      if (performance.now() - waitingSince > this.staleAfterMs()) {
        await this.claims.releasePending(caller.keyId, key, existing.createdAt);
        waitingSince = undefined;
        continue;
      }
      await sleep(POLL_MS);
    }
  }

  /** Decides under the claim; undefined when the claim was lost before the decision was stored. */
  private async decideUnder(request: Request, claim: IdempotencyClaim): Promise<DecisionView | undefined> {
    try {
      return await this.decisions.decide(request.body, request.correlator, request.caller, (record, deadline, attached) => this.stored.insertClaimed(record, claim, deadline, attached));
    } catch (error) {
      // Nothing was stored (decision and link are one transaction): a retry must be free to try.
      const released = this.claims.releasePending(claim.apiKeyId, claim.key, claim.createdAt).catch(() => undefined);
      // Refused for its budget, the database is slow: the answer must not wait for it again.
      // A retry meanwhile finds the claim pending and waits for its release.
      if (!(error instanceof UnavailableError)) await released;
      throw error;
    }
  }

  /** Longer than any decision can take: a claim pending this long lost its instance. */
  private staleAfterMs(): number {
    return this.config.DECISION_DEADLINE_MS * 2 + 5000;
  }

  private isExpired(claim: IdempotencyClaim): boolean {
    return this.clock.now().getTime() - claim.createdAt.getTime() > this.config.IDEMPOTENCY_TTL_HOURS * 3_600_000;
  }
}

function assertSameRequest(stored: string, presented: string): void {
  if (stored !== presented) {
    throw new ConflictError('This Idempotency-Key was already used with a different request body; use a new key for a new request.');
  }
}
