import { JWTPayload, jwtVerify } from 'jose';
import { Clock } from '../common/time/clock';
import { ClientKeySet } from './client-keys';

/** RFC 7523 assertions live briefly: CAMARA ICM caps exp at 300 s after iat. */
export const MAX_ASSERTION_LIFETIME_S = 300;

export interface AssertionRules {
  /** What the assertion is, for the failure messages: `client assertion`, `grant assertion`, ... */
  label: string;
  algorithms: readonly string[];
  issuer?: string;
  subject?: string;
  /** Accepted `aud` values; absent: no audience check (Vonage application JWTs carry none). */
  audiences?: readonly string[];
  requiredClaims: readonly string[];
  /** Cap on exp - iat, in seconds. */
  maxLifetimeS?: number;
  /** Refuse a `jti` already accepted (remembered until its `exp`). */
  singleUse: boolean;
}

export type AssertionCheck = { ok: true; payload: JWTPayload } | { ok: false; reason: string };

/**
 * Verifies signed JWTs from clients with jose, against the configured public keys, and says
 * which check failed. Time claims are judged by `clock`, the wall clock: they are epoch seconds
 * written by the client, not the dataset's pinned "now".
 */
export class AssertionVerifier {
  /** `iss` + `jti` -> exp (epoch seconds) of every single-use assertion accepted. */
  private readonly seen = new Map<string, number>();

  constructor(
    private readonly keys: ClientKeySet,
    private readonly clock: Clock,
  ) {}

  async verify(jwt: string, rules: AssertionRules): Promise<AssertionCheck> {
    const currentDate = this.clock.now();
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(jwt, this.keys, {
        algorithms: [...rules.algorithms],
        issuer: rules.issuer,
        subject: rules.subject,
        audience: rules.audiences ? [...rules.audiences] : undefined,
        requiredClaims: [...rules.requiredClaims],
        currentDate,
      }));
    } catch (error) {
      return { ok: false, reason: `${rules.label}: ${explain(error, rules)}` };
    }
    const { exp, iat, jti, iss } = payload;
    if (rules.maxLifetimeS !== undefined && typeof exp === 'number' && typeof iat === 'number' && exp - iat > rules.maxLifetimeS) {
      return { ok: false, reason: `${rules.label}: lifetime too long: exp must be at most ${rules.maxLifetimeS} s after iat (got ${exp - iat} s)` };
    }
    if (rules.singleUse) {
      if (typeof jti !== 'string' || jti === '') return { ok: false, reason: `${rules.label}: jti must be a non-empty string` };
      const nowS = Math.floor(currentDate.getTime() / 1000);
      this.forgetExpired(nowS);
      const key = `${iss ?? ''}\u0000${jti}`;
      if (this.seen.has(key)) return { ok: false, reason: `${rules.label}: jti replayed: this jti was already used` };
      this.seen.set(key, typeof exp === 'number' ? exp : nowS + MAX_ASSERTION_LIFETIME_S);
    }
    return { ok: true, payload };
  }

  private forgetExpired(nowS: number): void {
    for (const [key, exp] of this.seen) if (exp < nowS) this.seen.delete(key);
  }
}

/** jose's refusal, in words that name the failed check. */
function explain(error: unknown, rules: AssertionRules): string {
  const { code, claim, reason } = error as { code?: string; claim?: string; reason?: string };
  switch (code) {
    case 'ERR_JWT_EXPIRED':
      return claim === 'iat' ? 'iat is too far in the past' : 'expired: exp is in the past';
    case 'ERR_JWT_CLAIM_VALIDATION_FAILED':
      if (reason === 'missing') return `the ${claim} claim is required`;
      if (claim === 'aud') return `wrong aud: it must be ${(rules.audiences ?? []).join(' or ')}`;
      if (claim === 'iss') return `wrong iss: it must be the client id`;
      if (claim === 'sub') return `wrong sub: it must be ${rules.subject ?? 'the expected subject'}`;
      if (claim === 'nbf') return 'not yet valid (nbf is in the future)';
      return `the ${claim ?? 'a'} claim is invalid`;
    case 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED':
      return 'bad signature: no configured client public key verifies it';
    case 'ERR_JWKS_NO_MATCHING_KEY':
      return 'unknown key: no configured client public key matches its header (alg, kid)';
    case 'ERR_JOSE_ALG_NOT_ALLOWED':
    case 'ERR_JOSE_NOT_SUPPORTED':
      return `alg must be ${rules.algorithms.join(' or ')}`;
    default:
      return 'not a valid signed JWT';
  }
}
