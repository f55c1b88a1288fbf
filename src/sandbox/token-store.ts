import { randomBytes } from 'node:crypto';
import { Clock } from '../common/time/clock';

/** What an access token grants: its scopes and, for a 3-legged token, the one number it is for. */
export interface AccessToken {
  scopes: ReadonlySet<string>;
  /** Set when the token was issued with `login_hint=tel:+E164`: the subject of every call. */
  phoneNumber?: string;
  expiresAt: number;
}

export type TokenLookup = { status: 'valid'; token: AccessToken } | { status: 'expired' | 'unknown' };

/**
 * Opaque bearer tokens kept in memory until they expire, judged by the injected clock so tests
 * can expire a token without waiting. A restart forgets every token, as a real gateway's key
 * rotation would: clients must handle the 401 by fetching a new one.
 */
export class TokenStore {
  private readonly tokens = new Map<string, AccessToken>();

  constructor(
    private readonly clock: Clock,
    private readonly ttlSeconds: number,
  ) {}

  issue(scopes: readonly string[], phoneNumber?: string): { accessToken: string; expiresIn: number } {
    this.sweep();
    const accessToken = randomBytes(32).toString('base64url');
    const expiresAt = this.clock.now().getTime() + this.ttlSeconds * 1000;
    this.tokens.set(accessToken, { scopes: new Set(scopes), phoneNumber, expiresAt });
    return { accessToken, expiresIn: this.ttlSeconds };
  }

  lookup(accessToken: string): TokenLookup {
    const token = this.tokens.get(accessToken);
    if (!token) return { status: 'unknown' };
    if (this.clock.now().getTime() >= token.expiresAt) return { status: 'expired' };
    return { status: 'valid', token };
  }

  /** Forgets tokens expired for a whole lifetime: long enough to still say "expired" meanwhile. */
  private sweep(): void {
    const horizon = this.clock.now().getTime() - this.ttlSeconds * 1000;
    for (const [key, token] of this.tokens) {
      if (token.expiresAt < horizon) this.tokens.delete(key);
    }
  }
}
