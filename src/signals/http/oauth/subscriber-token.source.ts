import { Logger } from '@nestjs/common';
import { maskPhoneNumber } from '../../../common/phone/phone-number';
import type { AccessTokenContext, AccessTokenSource } from '../client-credentials.token-source';
import { ConsentPendingError, raceAbort, refreshAt, SubscriberRefusedError, TokenRequestError } from './oauth-endpoint';

/** A 3-legged flow run to its end for one subscriber: a token, or an error saying why not. */
export interface SubscriberFlow {
  /** `ciba` or `jwt_bearer`, for logs. */
  readonly name: string;
  run(phoneNumber: string, scope: string): Promise<{ token: string; lifetimeS: number }>;
}

export interface SubscriberTokenOptions {
  flow: SubscriberFlow;
  /** The gateway's id, for logs and the cache key (one gateway's token is no use at another). */
  gateway: string;
  /** The number's keyed hash: the only form of the number kept in memory keys. */
  subjectKey: (phoneNumber: string) => string;
  /**
   * How long a decision waits for a flow in progress before it records CONSENT_PENDING and
   * decides without the signal. A CIBA flow lasts seconds to minutes; a decision cannot.
   */
  waitMs: number;
  /** How long a refusal is remembered, so each decision does not prompt the holder again. */
  refusalTtlMs: number;
  /** Subscribers remembered at most (oldest out first): memory stays bounded under any traffic. */
  maxEntries?: number;
  now?: () => number;
}

type Entry = { kind: 'token'; token: string; refreshAt: number } | { kind: 'refused'; error: SubscriberRefusedError; until: number };

/**
 * 3-legged tokens, one per gateway, subscriber and scope set, cached until shortly before
 * they expire. However many decisions ask for a cold subscriber, one flow runs; each caller
 * waits at most `waitMs` for it (never past its own deadline) and is told the consent is
 * pending otherwise; the token that arrives later serves the next decision.
 */
export class SubscriberTokenSource implements AccessTokenSource {
  readonly identifiesSubject = true;
  private readonly logger = new Logger(SubscriberTokenSource.name);
  private readonly entries = new Map<string, Entry>();
  private readonly inFlight = new Map<string, Promise<string>>();
  private readonly now: () => number;
  private readonly maxEntries: number;

  constructor(private readonly options: SubscriberTokenOptions) {
    this.now = options.now ?? Date.now;
    this.maxEntries = options.maxEntries ?? 100_000;
  }

  async token(scopes: readonly string[], ctx?: AccessTokenContext): Promise<string> {
    const phoneNumber = ctx?.phoneNumber;
    if (phoneNumber === undefined) throw new TokenRequestError('a 3-legged token needs the subscriber number', false);
    const scope = scopeSet(scopes);
    const key = this.key(phoneNumber, scope);
    const entry = this.entries.get(key);
    if (entry?.kind === 'token' && this.now() < entry.refreshAt) return entry.token;
    if (entry?.kind === 'refused' && this.now() < entry.until) throw entry.error;
    if (ctx?.abortSignal?.aborted) throw new TokenRequestError('timeout/aborted while waiting for a token', true);
    let pending = this.inFlight.get(key);
    if (!pending) {
      const started = this.start(key, phoneNumber, scope);
      this.inFlight.set(key, started);
      // Forgotten once settled, here rather than inside start(): a flow that throws at once
      // settles before it is registered, and would otherwise stay "in flight" for good.
      started.then(
        () => this.inFlight.delete(key),
        () => this.inFlight.delete(key),
      );
      pending = started;
    }
    return this.waitFor(pending, ctx?.abortSignal);
  }

  invalidate(scopes: readonly string[], token: string, ctx?: AccessTokenContext): void {
    if (ctx?.phoneNumber === undefined) return;
    const key = this.key(ctx.phoneNumber, scopeSet(scopes));
    const entry = this.entries.get(key);
    if (entry?.kind === 'token' && entry.token === token) this.entries.delete(key);
  }

  /** Subscribers with a token or a refusal remembered, and flows running (for tests and status). */
  size(): { remembered: number; flows: number } {
    return { remembered: this.entries.size, flows: this.inFlight.size };
  }

  private key(phoneNumber: string, scope: string): string {
    return `${this.options.gateway} ${this.options.subjectKey(phoneNumber)} ${scope}`;
  }

  private async start(key: string, phoneNumber: string, scope: string): Promise<string> {
    const subject = maskPhoneNumber(phoneNumber);
    const { flow, gateway } = this.options;
    // Stryker disable next-line StringLiteral: the wording of a debug line, which no behaviour depends on
    this.logger.debug(`${gateway}: ${flow.name} flow started for ${subject}`);
    try {
      const requestedAt = this.now();
      const { token, lifetimeS } = await flow.run(phoneNumber, scope);
      this.remember(key, { kind: 'token', token, refreshAt: refreshAt(requestedAt, lifetimeS) });
      // Stryker disable next-line StringLiteral: the wording of a debug line, which no behaviour depends on
      this.logger.debug(`${gateway}: ${flow.name} token for ${subject}, expires in ${lifetimeS} s`);
      return token;
    } catch (error) {
      if (error instanceof SubscriberRefusedError) {
        this.remember(key, { kind: 'refused', error, until: this.now() + this.options.refusalTtlMs });
        this.logger.log(`${gateway}: ${flow.name} refused for ${subject}: ${error.message}`);
      } else {
        this.logger.warn(`${gateway}: ${flow.name} flow for ${subject} failed: ${(error as Error).message}`);
      }
      throw error;
    }
  }

  private remember(key: string, entry: Entry): void {
    this.entries.delete(key);
    this.entries.set(key, entry);
    // Map iteration is insertion order: the first key is the one touched longest ago.
    while (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value as string);
  }

  /** The flow's token if it comes within waitMs (and before the abort), else pending. */
  private waitFor(flow: Promise<string>, signal: AbortSignal | undefined): Promise<string> {
    // The flow outlives callers that stop waiting; its failure must not be an unhandled rejection.
    flow.catch(() => undefined);
    let timer: NodeJS.Timeout | undefined;
    const patience = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(
        () => reject(new ConsentPendingError(`the ${this.options.flow.name} flow is waiting for the holder's consent`)),
        this.options.waitMs,
      );
    });
    patience.catch(() => undefined);
    const waited = Promise.race([flow, patience]);
    const aborted = () => new ConsentPendingError(`the ${this.options.flow.name} flow had not finished when the call's time was up`);
    return raceAbort(waited, signal, aborted).finally(() => clearTimeout(timer));
  }
}

/** The same scopes in any order, or repeated, are one set: one flow, one consent. */
function scopeSet(scopes: readonly string[]): string {
  return [...new Set(scopes)].sort().join(' ');
}
