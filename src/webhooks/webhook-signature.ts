import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/** The header that carries the signature, as Stripe's `Stripe-Signature` does. */
export const SIGNATURE_HEADER = 'LineTrust-Signature';
export const EVENT_ID_HEADER = 'LineTrust-Event-Id';
export const DELIVERY_ID_HEADER = 'LineTrust-Delivery-Id';

/** Receivers are told to refuse older signatures: a captured request cannot be replayed later. */
export const DEFAULT_TOLERANCE_SECONDS = 300;

/**
 * A subscription's signing secret: 32 random bytes, with a prefix that tells a reader (and a
 * secret scanner) what it is. Stored in clear, since signing needs it: it is shown once, then
 * only its subscription's id names it.
 */
export function generateSigningSecret(): string {
  return `whsec_${randomBytes(32).toString('base64url')}`;
}

function hmacHex(secret: string, timestamp: number, body: string): string {
  return createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex');
}

/**
 * `t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`. The timestamp is signed with
 * the body, so a receiver that checks its age refuses a captured request replayed later.
 */
export function signatureHeader(secret: string, body: string, at: Date): string {
  const timestamp = Math.floor(at.getTime() / 1000);
  return `t=${timestamp},v1=${hmacHex(secret, timestamp, body)}`;
}

export type VerifyResult = { valid: true; timestamp: number } | { valid: false; reason: 'malformed' | 'mismatch' | 'too old' | 'in the future' };

/**
 * What a receiver does with `LineTrust-Signature`: recomputes the HMAC over the raw body it
 * received (before any JSON parsing, which could change bytes), compares it in constant time
 * with every `v1` the header carries (several during a secret rotation), and refuses a
 * timestamp more than `toleranceSeconds` away from its own clock.
 */
export function verifySignature(secret: string, header: string, body: string, toleranceSeconds = DEFAULT_TOLERANCE_SECONDS, now: Date = new Date()): VerifyResult {
  const parts = header.split(',').map((part) => part.trim().split('='));
  const timestamps = parts.filter(([key]) => key === 't').map(([, value]) => value);
  const signatures = parts.filter(([key, value]) => key === 'v1' && /^[0-9a-f]{64}$/.test(value ?? '')).map(([, value]) => value);
  if (timestamps.length !== 1 || !/^\d{1,12}$/.test(timestamps[0] ?? '') || signatures.length === 0) return { valid: false, reason: 'malformed' };
  const timestamp = Number(timestamps[0]);
  const expected = Buffer.from(hmacHex(secret, timestamp, body), 'hex');
  if (!signatures.some((signature) => timingSafeEqual(Buffer.from(signature, 'hex'), expected))) return { valid: false, reason: 'mismatch' };
  const age = Math.floor(now.getTime() / 1000) - timestamp;
  if (age > toleranceSeconds) return { valid: false, reason: 'too old' };
  if (age < -toleranceSeconds) return { valid: false, reason: 'in the future' };
  return { valid: true, timestamp };
}
