import { Injectable, Logger } from '@nestjs/common';
import { NotFoundError } from '../common/errors/domain.error';
import { Clock } from '../common/time/clock';
import { AppConfig } from '../config/app-config';
import { DUMMY_HASH, generateKey, hashSecret, parseKey, sameHash } from './api-key-secret';
import { ApiKeyRecord, ApiKeyRepository } from './api-key.repository';
import { Principal, Scope } from './scopes';

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

/** Bounds the cache of looked-up ids, so a flood of made-up ids cannot grow memory. */
const MAX_CACHED_KEYS = 10_000;

@Injectable()
export class ApiKeyService {
  private readonly logger = new Logger(ApiKeyService.name);
  /** id -> record (or null: no such key) and when to look again. */
  private readonly cache = new Map<string, { record: ApiKeyRecord | null; until: number }>();

  constructor(
    private readonly repository: ApiKeyRepository,
    private readonly clock: Clock,
    private readonly config: AppConfig,
  ) {}

  /** Creates a key. The returned `key` is the only time the secret exists outside the caller. */
  async create(request: NewApiKey): Promise<ApiKeyView & { key: string }> {
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

  async revoke(id: string): Promise<ApiKeyView> {
    const revoked = /^[0-9a-f]{16}$/.test(id) && (await this.repository.revoke(id, this.clock.now()));
    this.cache.delete(id);
    const record = revoked ? await this.repository.findById(id) : undefined;
    if (!record) throw new NotFoundError('API key not found or already revoked');
    this.logger.log(`API key ${id} revoked`);
    return toView(record);
  }

  /**
   * The principal of a presented key, or undefined for a malformed, unknown, wrong or revoked
   * one, all alike. The secret is always compared, in constant time, against something.
   * Lookups are cached for API_KEY_CACHE_TTL_S: a key revoked on another instance stops
   * working there within that time (at once on the instance that revoked it).
   */
  async authenticate(presented: string): Promise<Principal | undefined> {
    const parsed = parseKey(presented);
    const record = parsed ? await this.lookup(parsed.id) : null;
    const matches = sameHash(hashSecret(parsed?.secret ?? ''), record?.secretHash ?? DUMMY_HASH);
    if (!record || !matches || record.revokedAt !== null) return undefined;
    const { id: keyId, label, scopes, useCases, rateLimitPerSecond } = record;
    return { keyId, label, scopes, useCases, rateLimitPerSecond };
  }

  private async lookup(id: string): Promise<ApiKeyRecord | null> {
    const now = this.clock.now().getTime();
    const cached = this.cache.get(id);
    if (cached && cached.until > now) return cached.record;
    const record = (await this.repository.findById(id)) ?? null;
    const ttlMs = this.config.API_KEY_CACHE_TTL_S * 1000;
    if (ttlMs > 0) {
      this.cache.delete(id);
      if (this.cache.size >= MAX_CACHED_KEYS) this.cache.delete(this.cache.keys().next().value as string);
      this.cache.set(id, { record, until: now + ttlMs });
    }
    return record;
  }
}
