import { readdirSync } from 'node:fs';
import { Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { InvalidArgumentError, NotFoundError } from '../common/errors/domain.error';
import { Clock } from '../common/time/clock';
import { AppConfig } from '../config/app-config';
import { POLICY_FILE } from '../scoring/policy-files';
import { DUMMY_HASH, generateKey, hashSecret, KEY_ID_PATTERN, parseKey, sameHash } from './api-key-secret';
import { ApiKeyRecord, ApiKeyRepository } from './api-key.repository';
import { Principal, Scope, SCOPES, USE_CASE_ID } from './scopes';

export interface NewApiKey {
  label: string;
  scopes: Scope[];
  useCases?: string[] | null;
  rateLimitPerSecond?: number | null;
}

/** What may be shown of a key: everything but its secret and hash. */
export interface ApiKeyView {
  id: string;
  label: string;
  scopes: Scope[];
  useCases: string[] | null;
  rateLimitPerSecond: number | null;
  createdAt: string;
  revokedAt: string | null;
}

function toView(record: ApiKeyRecord): ApiKeyView {
  const { secretHash: _hash, createdAt, revokedAt, ...rest } = record;
  return { ...rest, createdAt: createdAt.toISOString(), revokedAt: revokedAt?.toISOString() ?? null };
}

/**
 * The rules of a key, whoever asks (the API validates its body first; the CLI relies on these).
 * `admin` manages keys, feedback and erasure for every use case, so it cannot be limited to
 * some: a limited admin could simply create itself an unlimited key.
 */
function refuseInvalid(request: NewApiKey, knownUseCases: ReadonlySet<string>): void {
  const problems: string[] = [];
  if (request.label.length < 1 || request.label.length > 100) problems.push('label must be 1 to 100 characters');
  if (request.scopes.length === 0 || request.scopes.some((scope) => !(SCOPES as readonly string[]).includes(scope))) {
    problems.push(`scopes must be some of ${SCOPES.join(', ')}`);
  }
  if (request.useCases !== undefined && request.useCases !== null) {
    if (request.useCases.length === 0 || !request.useCases.every((id) => USE_CASE_ID.test(id))) problems.push('useCases must be policy ids (a-z, 0-9, _)');
    else {
      // A key for a use case without a policy could never decide: a typo, refused now.
      const unknown = request.useCases.filter((id) => !knownUseCases.has(id));
      if (unknown.length > 0) problems.push(`useCases: no policy for ${unknown.join(', ')} (known: ${[...knownUseCases].sort().join(', ')})`);
    }
    if (request.scopes.includes('admin')) problems.push('an admin key cannot be limited to use cases (it manages keys for all of them)');
  }
  const rate = request.rateLimitPerSecond;
  if (rate !== undefined && rate !== null && !(Number.isInteger(rate) && rate >= 1 && rate <= 100_000)) problems.push('rateLimitPerSecond must be an integer from 1 to 100000');
  if (problems.length > 0) throw new InvalidArgumentError(problems.join('; '));
}

/**
 * The use cases that have a policy file in the rules folder, which the service loads and the CLI
 * (without a running service) can read alike.
 */
function policyIds(folder: string): Set<string> {
  return new Set(readdirSync(folder).filter((name) => POLICY_FILE.test(name)).map((name) => name.slice(0, -'.json'.length)));
}

/** Bounds the cache of looked-up ids, so a flood of made-up ids cannot grow memory. */
export const MAX_CACHED_KEYS = 10_000;

/** Shared fleet state: how often an instance reads the keys revoked on any instance. */
export const REVOCATION_POLL_MS = 1000;
/**
 * How far back each poll looks. Far more than one poll interval, so a revocation stamped by an
 * instance whose clock runs behind this one's (or a lookup racing the poll) is still seen.
 */
const REVOCATION_LOOKBACK_MS = 30_000;

@Injectable()
export class ApiKeyService implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(ApiKeyService.name);
  /**
   * id -> record and when to look again. Known keys and unknown ids are kept apart, so a flood
   * of made-up ids can only push out other made-up ids, never the keys in use.
   */
  private readonly known = new Map<string, { record: ApiKeyRecord; until: number }>();
  private readonly unknown = new Map<string, number>();
  private poller?: NodeJS.Timeout;
  private polling = false;

  constructor(
    private readonly repository: ApiKeyRepository,
    private readonly clock: Clock,
    private readonly config: AppConfig,
  ) {}

  /** With shared fleet state, revocations made on other instances reach this one's cache every second. */
  onApplicationBootstrap(): void {
    if (!this.config.sharedFleetState || this.config.API_KEY_CACHE_TTL_S === 0) return;
    this.poller = setInterval(() => void this.dropRevoked(), REVOCATION_POLL_MS);
    this.poller.unref();
  }

  onModuleDestroy(): void {
    clearInterval(this.poller);
  }

  /** Drops from the cache the keys revoked lately, on any instance: their next use reads them again. */
  async dropRevoked(): Promise<void> {
    if (this.polling) return;
    this.polling = true;
    try {
      const since = new Date(this.clock.now().getTime() - REVOCATION_LOOKBACK_MS);
      for (const id of await this.repository.revokedSince(since)) this.known.delete(id);
    } catch (error) {
      this.logger.warn(`could not read revoked keys (cached keys stay trusted up to API_KEY_CACHE_TTL_S): ${(error as Error).message}`);
    } finally {
      this.polling = false;
    }
  }

  /** The use cases with a policy: the rules folder's, and with POLICY_SOURCE=database the published ones. */
  private async knownUseCases(request: NewApiKey): Promise<Set<string>> {
    const known = policyIds(this.config.RULES_DIR);
    if (!request.useCases?.length || this.config.POLICY_SOURCE !== 'database') return known;
    for (const id of await this.repository.activePolicyIds()) known.add(id);
    return known;
  }

  /** Creates a key. The returned `key` is the only time the secret exists outside the caller. */
  async create(request: NewApiKey): Promise<ApiKeyView & { key: string }> {
    refuseInvalid(request, await this.knownUseCases(request));
    const { id, secret, key } = generateKey();
    const record: ApiKeyRecord = {
      id,
      label: request.label,
      secretHash: hashSecret(secret),
      scopes: [...new Set(request.scopes)],
      useCases: request.useCases ? [...new Set(request.useCases)] : null,
      rateLimitPerSecond: request.rateLimitPerSecond ?? null,
      createdAt: this.clock.now(),
      revokedAt: null,
    };
    await this.repository.insert(record);
    this.logger.log(`API key ${id} created (${record.scopes.join(', ')})`);
    return { ...toView(record), key };
  }

  async list(): Promise<ApiKeyView[]> {
    return (await this.repository.list()).map(toView);
  }

  /** Whether any key can call the API yet: a fresh install has none until someone makes one. */
  async anyUsable(): Promise<boolean> {
    return (await this.repository.countUsable()) > 0;
  }

  async revoke(id: string): Promise<ApiKeyView> {
    const revoked = KEY_ID_PATTERN.test(id) && (await this.repository.revoke(id, this.clock.now()));
    this.known.delete(id);
    const record = revoked ? await this.repository.findById(id) : undefined;
    if (!record) throw new NotFoundError('API key not found or already revoked');
    this.logger.log(`API key ${id} revoked`);
    return toView(record);
  }

  /**
   * The principal of a presented key, or undefined for a malformed, unknown, wrong or revoked
   * one, all alike. The secret is always compared, in constant time, against something.
   * Lookups are cached for API_KEY_CACHE_TTL_S: a key revoked on another instance stops
   * working there within that time, or within about a second with shared fleet state (at once
   * on the instance that revoked it).
   */
  async authenticate(presented: string): Promise<Principal | undefined> {
    const parsed = parseKey(presented);
    const record = parsed ? await this.lookup(parsed.id) : null;
    // Stryker disable next-line StringLiteral: without a parsed key there is no record either, so the key is refused whatever secret is hashed
    const matches = sameHash(hashSecret(parsed?.secret ?? ''), record?.secretHash ?? DUMMY_HASH);
    if (!record || !matches || record.revokedAt !== null) return undefined;
    const { id: keyId, label, scopes, useCases, rateLimitPerSecond } = record;
    return { keyId, label, scopes, useCases, rateLimitPerSecond };
  }

  private async lookup(id: string): Promise<ApiKeyRecord | null> {
    const now = this.clock.now().getTime();
    const cached = this.known.get(id);
    if (cached && cached.until > now) return cached.record;
    if ((this.unknown.get(id) ?? 0) > now) return null;
    const record = (await this.repository.findById(id)) ?? null;
    const ttlMs = this.config.API_KEY_CACHE_TTL_S * 1000;
    if (ttlMs > 0) remember(record ? this.known : this.unknown, id, record ? { record, until: now + ttlMs } : now + ttlMs);
    return record;
  }
}

/** Sets an entry of a bounded map, the oldest entry out first when full. */
function remember<V>(map: Map<string, V>, id: string, value: V): void {
  map.delete(id);
  if (map.size >= MAX_CACHED_KEYS) map.delete(map.keys().next().value as string);
  map.set(id, value);
}
