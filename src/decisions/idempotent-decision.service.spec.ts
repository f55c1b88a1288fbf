import { Principal } from '../auth/scopes';
import { ConflictError, UnavailableError } from '../common/errors/domain.error';
import { keyedHash } from '../common/phone/phone-number';
import { FixedClock } from '../common/time/clock';
import { AppConfig } from '../config/app-config';
import { DecisionRepository } from './decision.repository';
import { DecisionService, DecisionStore } from './decision.service';
import { DecisionRecord, DecisionView } from './decision.types';
import { CreateDecisionDto } from './dto/create-decision.dto';
import { IdempotencyClaim, IdempotencyRepository } from './idempotency.repository';
import { IdempotentDecisionService } from './idempotent-decision.service';
import { flush, track } from '../common/testing/promise-state.testing';

// The service polls with node's promise timers: route them through jest's fake ones.
jest.mock('node:timers/promises', () => ({ setTimeout: (ms: number) => new Promise((resolve) => setTimeout(resolve, ms)) }));

const HOUR_MS = 3_600_000;
const NOW = new Date('2026-06-15T12:00:00Z');
const CALLER: Principal = { keyId: 'key-1', label: 'app', scopes: ['decisions:write'], useCases: null, rateLimitPerSecond: null };
const BODY = { useCase: 'onboarding', phoneNumber: '+34600000001', subjectId: 'customer-1' } as CreateDecisionDto;
const OTHER_BODY = { ...BODY, subjectId: 'customer-2' } as CreateDecisionDto;

/** The claims table in memory, with the repository's conditional writes. */
class MemoryClaims {
  readonly rows = new Map<string, IdempotencyClaim>();
  private id = (apiKeyId: string, key: string) => `${apiKeyId}/${key}`;
  /** Set while the database is slow to release a claim. */
  private releaseGate: Promise<void> | undefined;

  /** Makes releases wait until the returned function is called. */
  holdReleases(): () => void {
    let release!: () => void;
    this.releaseGate = new Promise<void>((resolve) => (release = resolve));
    return () => {
      this.releaseGate = undefined;
      release();
    };
  }

  async claim(claim: IdempotencyClaim): Promise<boolean> {
    if (this.rows.has(this.id(claim.apiKeyId, claim.key))) return false;
    this.rows.set(this.id(claim.apiKeyId, claim.key), { ...claim });
    return true;
  }
  async find(apiKeyId: string, key: string): Promise<IdempotencyClaim | undefined> {
    const row = this.rows.get(this.id(apiKeyId, key));
    return row && { ...row };
  }
  async releasePending(apiKeyId: string, key: string, createdAt: Date): Promise<void> {
    if (this.releaseGate) await this.releaseGate;
    const row = this.rows.get(this.id(apiKeyId, key));
    if (row && row.createdAt.getTime() === createdAt.getTime() && row.decisionId === null) this.rows.delete(this.id(apiKeyId, key));
  }
  async forget(apiKeyId: string, key: string, createdAt: Date): Promise<void> {
    const row = this.rows.get(this.id(apiKeyId, key));
    if (row && row.createdAt.getTime() === createdAt.getTime()) this.rows.delete(this.id(apiKeyId, key));
  }
  /** The decision and the claim's link in one write, only while the claim is still the caller's. */
  link(claim: IdempotencyClaim, decisionId: string): boolean {
    const row = this.rows.get(this.id(claim.apiKeyId, claim.key));
    if (!row || row.createdAt.getTime() !== claim.createdAt.getTime()) return false;
    row.decisionId = decisionId;
    return true;
  }
}

/**
 * Claim times never go backwards within a process (see claimTime), so each test starts a month
 * after the one before, where no earlier claim time reaches.
 */
let epoch = NOW.getTime();

function setup(config: Partial<AppConfig> = {}) {
  epoch += 30 * 24 * HOUR_MS;
  const start = epoch;
  const clock = new FixedClock(new Date(start));
  const claims = new MemoryClaims();
  const stored = new Map<string, DecisionView>();
  const repository = { insertClaimed: async (record: DecisionRecord, claim: IdempotencyClaim) => claims.link(claim, record.id) };
  const appConfig = { hashKey: 'test-hash-key', IDEMPOTENCY_TTL_HOURS: 24, DECISION_DEADLINE_MS: 3000, ...config } as AppConfig;

  /** One instance of the service over the shared claims table and decisions (the database). */
  const instance = (idPrefix: string) => {
    let made = 0;
    /** Holds each decision until released, when a test wants requests to overlap. */
    let gate: Promise<void> | undefined;
    let failWith: Error | undefined;
    const decisions = {
      decide: jest.fn(async (body: CreateDecisionDto, _correlator: string, _caller: Principal, store?: DecisionStore) => {
        if (gate) await gate;
        if (failWith) throw failWith;
        made += 1;
        const view = { id: `${idPrefix}decision-${made}`, subjectId: body.subjectId } as unknown as DecisionView;
        if (store && !(await store({ id: view.id } as DecisionRecord, undefined as never))) return undefined;
        stored.set(view.id, view);
        return view;
      }),
      findStored: async (id: string) => stored.get(id),
    };
    const service = new IdempotentDecisionService(
      decisions as unknown as DecisionService,
      repository as unknown as DecisionRepository,
      claims as unknown as IdempotencyRepository,
      clock,
      appConfig,
    );
    const hold = () => {
      let release!: () => void;
      gate = new Promise<void>((resolve) => (release = resolve));
      return () => {
        gate = undefined;
        release();
      };
    };
    return { service, decisions, hold, failNext: (error: Error | undefined) => (failWith = error) };
  };

  const later = (ms: number) => clock.set(new Date(start + ms));
  return { ...instance(''), clock, later, claims, stored, anotherInstance: () => instance('elsewhere-') };
}


describe('IdempotentDecisionService', () => {
  afterEach(() => jest.useRealTimers());

  it('decides without a key every time, and never calls such a decision a replay', async () => {
    const { service, decisions } = setup();
    expect(await service.decide(BODY, 'c1', CALLER)).toEqual({ decision: expect.objectContaining({ id: 'decision-1' }), replayed: false });
    expect(await service.decide(BODY, 'c2', CALLER)).toEqual({ decision: expect.objectContaining({ id: 'decision-2' }), replayed: false });
    expect(decisions.decide).toHaveBeenCalledTimes(2);
  });

  it('answers a retry with the decision first made, also with its fields in another order', async () => {
    const { service, decisions } = setup();
    const first = await service.decide(BODY, 'c1', CALLER, 'order-1');
    const reordered = { subjectId: 'customer-1', phoneNumber: '+34600000001', useCase: 'onboarding', context: undefined } as CreateDecisionDto;
    const retry = await service.decide(reordered, 'c2', CALLER, 'order-1');
    expect(first).toEqual({ decision: expect.objectContaining({ id: 'decision-1' }), replayed: false });
    expect(retry).toEqual({ decision: first.decision, replayed: true });
    expect(decisions.decide).toHaveBeenCalledTimes(1);
  });

  it('tells bodies apart by their nested fields and arrays, not only their keys', async () => {
    const { service } = setup();
    await service.decide({ ...BODY, context: { amount: 10, tags: ['a', 'b'] } } as CreateDecisionDto, 'c1', CALLER, 'order-n');
    await expect(service.decide({ ...BODY, context: { amount: 10, tags: ['b', 'a'] } } as CreateDecisionDto, 'c2', CALLER, 'order-n')).rejects.toThrow(ConflictError);
    await expect(service.decide({ ...BODY, context: { amount: 11, tags: ['a', 'b'] } } as CreateDecisionDto, 'c3', CALLER, 'order-n')).rejects.toThrow(ConflictError);
    const same = await service.decide({ ...BODY, context: { tags: ['a', 'b'], amount: 10 } } as CreateDecisionDto, 'c4', CALLER, 'order-n');
    expect(same.replayed).toBe(true);
  });

  it('tells apart arrays whose numbers differ only in where one ends and the next begins', async () => {
    const { service } = setup();
    await service.decide({ ...BODY, context: { amounts: [1, 23] } } as CreateDecisionDto, 'c1', CALLER, 'order-split');
    await expect(service.decide({ ...BODY, context: { amounts: [12, 3] } } as CreateDecisionDto, 'c2', CALLER, 'order-split')).rejects.toThrow(ConflictError);
  });

  // The hash is stored with the claim and compared by every instance: during a rolling deploy,
  // a retry may reach an instance of another release, which must hash the same body alike.
  it('stores the keyed hash of the body as JSON with its keys sorted at every level', async () => {
    const { service, claims } = setup();
    const body = { useCase: 'onboarding', subjectId: 'customer-1', phoneNumber: '+34600000001', context: { tags: ['b', 'a'], channel: { z: 1, a: null } } };
    await service.decide(body as CreateDecisionDto, 'c1', CALLER, 'order-hash');
    const json = '{"context":{"channel":{"a":null,"z":1},"tags":["b","a"]},"phoneNumber":"+34600000001","subjectId":"customer-1","useCase":"onboarding"}';
    expect(claims.rows.get(`${CALLER.keyId}/order-hash`)?.requestHash).toBe(keyedHash(json, 'test-hash-key'));
  });

  it('refuses the same key with another body once decided: 409, nothing decided', async () => {
    const { service, decisions } = setup();
    await service.decide(BODY, 'c1', CALLER, 'order-2');
    const refusal = service.decide(OTHER_BODY, 'c2', CALLER, 'order-2');
    await expect(refusal).rejects.toThrow(ConflictError);
    await expect(refusal).rejects.toThrow('This Idempotency-Key was already used with a different request body; use a new key for a new request.');
    expect(decisions.decide).toHaveBeenCalledTimes(1);
  });

  it('refuses the same key with another body while the first request is still deciding', async () => {
    const { service, decisions, hold } = setup();
    const release = hold();
    const first = service.decide(BODY, 'c1', CALLER, 'order-3');
    const second = service.decide(OTHER_BODY, 'c2', CALLER, 'order-3');
    release();
    await expect(second).rejects.toThrow(ConflictError);
    expect((await first).replayed).toBe(false);
    expect(decisions.decide).toHaveBeenCalledTimes(1);
  });

  it('lets concurrent retries with the same body wait for the first one, which decides once', async () => {
    const { service, decisions, hold } = setup();
    const release = hold();
    const answers = [service.decide(BODY, 'c1', CALLER, 'order-4'), service.decide(BODY, 'c2', CALLER, 'order-4'), service.decide(BODY, 'c3', CALLER, 'order-4')];
    release();
    const [first, ...retries] = await Promise.all(answers);
    expect(first.replayed).toBe(false);
    for (const retry of retries) expect(retry).toEqual({ decision: first.decision, replayed: true });
    expect(decisions.decide).toHaveBeenCalledTimes(1);
  });

  it('gives concurrent retries on this instance the first request\'s failure, deciding once', async () => {
    const { service, decisions, hold, failNext } = setup();
    const release = hold();
    failNext(new Error('policy refused the input'));
    const first = service.decide(BODY, 'c1', CALLER, 'order-4f');
    const retry = service.decide(BODY, 'c2', CALLER, 'order-4f');
    release();
    await expect(first).rejects.toThrow('policy refused the input');
    await expect(retry).rejects.toThrow('policy refused the input');
    expect(decisions.decide).toHaveBeenCalledTimes(1);
  });

  it('decides concurrent requests under different keys separately, also when only the API key differs', async () => {
    const { service, decisions, hold } = setup();
    const release = hold();
    const answers = [
      service.decide(BODY, 'c1', CALLER, 'order-a'),
      service.decide(BODY, 'c2', CALLER, 'order-b'),
      service.decide(BODY, 'c3', { ...CALLER, keyId: 'key-2' }, 'order-a'),
    ];
    release();
    const results = await Promise.all(answers);
    expect(results.map((r) => r.replayed)).toEqual([false, false, false]);
    expect(new Set(results.map((r) => r.decision.id)).size).toBe(3);
    expect(decisions.decide).toHaveBeenCalledTimes(3);
  });

  it('keeps the Idempotency-Keys of each API key apart', async () => {
    const { service, decisions } = setup();
    await service.decide(BODY, 'c1', CALLER, 'shared');
    const theirs = await service.decide(OTHER_BODY, 'c2', { ...CALLER, keyId: 'key-2' }, 'shared');
    expect(theirs.replayed).toBe(false);
    expect(decisions.decide).toHaveBeenCalledTimes(2);
  });

  it.each([
    ['1 hour', HOUR_MS],
    ['23 hours', 23 * HOUR_MS],
    ['exactly IDEMPOTENCY_TTL_HOURS', 24 * HOUR_MS],
  ])('still remembers a key after %s', async (_name, ms) => {
    const { service, later, decisions } = setup();
    const first = await service.decide(BODY, 'c1', CALLER, 'order-5');
    later(ms);
    expect(await service.decide(BODY, 'c2', CALLER, 'order-5')).toEqual({ decision: first.decision, replayed: true });
    await expect(service.decide(OTHER_BODY, 'c3', CALLER, 'order-5')).rejects.toThrow(ConflictError);
    expect(decisions.decide).toHaveBeenCalledTimes(1);
  });

  it('forgets a key just after IDEMPOTENCY_TTL_HOURS: a reuse, with any body, makes a new decision', async () => {
    const { service, later } = setup({ IDEMPOTENCY_TTL_HOURS: 2 });
    await service.decide(BODY, 'c1', CALLER, 'order-6');
    later(2 * HOUR_MS + 1);
    const reused = await service.decide(OTHER_BODY, 'c2', CALLER, 'order-6');
    expect(reused).toEqual({ decision: expect.objectContaining({ id: 'decision-2' }), replayed: false });
  });

  it('frees the key when deciding fails, so a corrected retry decides', async () => {
    const { service, claims, failNext } = setup();
    failNext(new Error('policy refused the input'));
    await expect(service.decide(BODY, 'c1', CALLER, 'order-7')).rejects.toThrow('policy refused the input');
    expect(claims.rows.size).toBe(0);
    failNext(undefined);
    expect((await service.decide(OTHER_BODY, 'c2', CALLER, 'order-7')).replayed).toBe(false);
  });

  it('answers a failure only once the key is free, so a retry right after it decides at once', async () => {
    const { service, claims, failNext } = setup();
    const releaseClaims = claims.holdReleases();
    failNext(new Error('policy refused the input'));
    const answer = track(service.decide(BODY, 'c1', CALLER, 'order-7s'));
    await flush();
    expect(answer.settled).toBe(false);
    releaseClaims();
    await flush();
    expect(answer).toEqual({ settled: true, error: new Error('policy refused the input') });
    expect(claims.rows.size).toBe(0);
  });

  it('frees the key after a refusal for the budget (503) too, without waiting for the release', async () => {
    const { service, claims, failNext } = setup();
    const releaseClaims = claims.holdReleases();
    failNext(new UnavailableError('the database is slow', 1));
    const answer = track(service.decide(BODY, 'c1', CALLER, 'order-8'));
    await flush();
    expect(answer.settled).toBe(true);
    expect(answer.error).toBeInstanceOf(UnavailableError);
    expect(claims.rows.size).toBe(1); // the slow release is still on its way
    releaseClaims();
    await flush();
    expect(claims.rows.size).toBe(0);
  });

  it('makes a new decision when the decision a key names was erased', async () => {
    const { service, stored } = setup();
    const first = await service.decide(BODY, 'c1', CALLER, 'order-9');
    stored.delete(first.decision.id);
    expect(await service.decide(BODY, 'c2', CALLER, 'order-9')).toEqual({ decision: expect.objectContaining({ id: 'decision-2' }), replayed: false });
  });

  describe('with a claim held by another instance', () => {
    const othersClaim = (claims: MemoryClaims, requestHashOf: IdempotencyClaim | undefined, createdAt: Date): IdempotencyClaim => {
      const claim = { apiKeyId: CALLER.keyId, key: 'order-10', requestHash: requestHashOf?.requestHash ?? 'x', decisionId: null, createdAt };
      claims.rows.set(`${CALLER.keyId}/order-10`, claim);
      return claim;
    };
    /** The request hash the service computes for BODY, read from a claim it made. */
    async function hashOfBody(): Promise<IdempotencyClaim> {
      const probe = setup();
      await probe.service.decide(BODY, 'c0', CALLER, 'order-10');
      return (await probe.claims.find(CALLER.keyId, 'order-10')) as IdempotencyClaim;
    }

    it('waits for its decision and answers it', async () => {
      jest.useFakeTimers({ now: NOW });
      const hash = await hashOfBody();
      const { service, claims, clock, stored, decisions } = setup();
      const claim = othersClaim(claims, hash, clock.now());
      const answer = service.decide(BODY, 'c1', CALLER, 'order-10');
      await jest.advanceTimersByTimeAsync(200);
      stored.set('decision-elsewhere', { id: 'decision-elsewhere' } as DecisionView);
      claim.decisionId = 'decision-elsewhere';
      await jest.advanceTimersByTimeAsync(50);
      expect(await answer).toEqual({ decision: { id: 'decision-elsewhere' }, replayed: true });
      expect(decisions.decide).not.toHaveBeenCalled();
    });

    it('refuses another body at once, even while that claim is pending', async () => {
      const hash = await hashOfBody();
      const { service, claims, clock } = setup();
      othersClaim(claims, hash, clock.now());
      await expect(service.decide(OTHER_BODY, 'c1', CALLER, 'order-10')).rejects.toThrow(ConflictError);
    });

    it('takes over a claim pending longer than twice the decision deadline plus 5 s, not sooner', async () => {
      jest.useFakeTimers({ now: NOW });
      // The instance has been up a while: the wait counts from the request, not from start-up.
      await jest.advanceTimersByTimeAsync(60_000);
      const hash = await hashOfBody();
      const { service, claims, clock, decisions } = setup({ DECISION_DEADLINE_MS: 1000 });
      othersClaim(claims, hash, clock.now());
      const answer = service.decide(BODY, 'c1', CALLER, 'order-10');
      await jest.advanceTimersByTimeAsync(7000);
      expect(decisions.decide).not.toHaveBeenCalled();
      await jest.advanceTimersByTimeAsync(200);
      expect((await answer).replayed).toBe(false);
      expect(decisions.decide).toHaveBeenCalledTimes(1);
    });

    // Both instances share this process and a clock that stands still: the claim taken over and
    // the new one are made in the same millisecond, and must still be told apart.
    it('stores nothing of a request whose stalled claim another instance took over, and answers it the decision made under the new claim', async () => {
      jest.useFakeTimers({ now: NOW });
      const { service, stored, hold, anotherInstance } = setup({ DECISION_DEADLINE_MS: 1000 });
      const release = hold();
      const stalled = service.decide(BODY, 'c1', CALLER, 'order-14');
      const elsewhere = anotherInstance();
      const retry = elsewhere.service.decide(BODY, 'c2', CALLER, 'order-14');
      await jest.advanceTimersByTimeAsync(7200);
      const taken = await retry;
      expect(taken).toEqual({ decision: expect.objectContaining({ id: 'elsewhere-decision-1' }), replayed: false });

      release();
      expect(await stalled).toEqual({ decision: taken.decision, replayed: true });
      expect([...stored.keys()]).toEqual(['elsewhere-decision-1']);
    });

    it('starts afresh on a claim older than IDEMPOTENCY_TTL_HOURS, whatever its body', async () => {
      const { service, claims, clock } = setup();
      othersClaim(claims, undefined, new Date(clock.now().getTime() - 25 * HOUR_MS));
      expect((await service.decide(OTHER_BODY, 'c1', CALLER, 'order-10')).replayed).toBe(false);
    });
  });
});
