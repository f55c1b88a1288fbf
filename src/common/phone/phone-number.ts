import { createHmac, createSecretKey, KeyObject } from 'node:crypto';

/** E.164 as the API accepts it: `+`, no leading zero, 5 to 15 digits. */
export const PHONE_NUMBER_PATTERN = /^\+[1-9][0-9]{4,14}$/;

/**
 * Imported keys by their text: a decision hashes several times under the same key, and
 * importing a string key on every createHmac costs about as much as the hash itself.
 */
const importedKeys = new Map<string, KeyObject>();
const MAX_IMPORTED_KEYS = 16;

/** HMAC-SHA256 of `text` under `key`, hex: what every stored or logged hash of caller data uses. */
export function keyedHash(text: string, key: string): string {
  let imported = importedKeys.get(key);
  if (!imported) {
    if (importedKeys.size >= MAX_IMPORTED_KEYS) importedKeys.clear();
    imported = createSecretKey(Buffer.from(key, 'utf8'));
    importedKeys.set(key, imported);
  }
  return createHmac('sha256', imported).update(text).digest('hex');
}

/**
 * Keyed hash of a phone number (HMAC-SHA256, hex). Stored instead of the number so that a
 * number's decisions can be found again without keeping it in clear; without the key the
 * small E.164 space could be brute-forced from a plain hash.
 */
export function hashPhoneNumber(phoneNumber: string, key: string): string {
  return keyedHash(phoneNumber, key);
}

/**
 * Masked form for people reading a decision: the `+`, the first two digits (country code or
 * its start) and the last three digits stay, every other digit becomes `*`.
 * `+34600000001` -> `+34******001`. Shorter numbers keep less (`+123456` -> `+1***56`,
 * `+12345` -> `+***45`), so that at least half of the digits are always hidden.
 */
export function maskPhoneNumber(phoneNumber: string): string {
  const digits = phoneNumber.replace(/^\+/, '');
  const [keepHead, keepTail] = digits.length >= 10 ? [2, 3] : digits.length >= 6 ? [1, 2] : [0, 2];
  if (digits.length <= keepHead + keepTail) return `+${'*'.repeat(digits.length)}`;
  const hidden = digits.length - keepHead - keepTail;
  return `+${digits.slice(0, keepHead)}${'*'.repeat(hidden)}${digits.slice(-keepTail)}`;
}

// No upper bound: a longer digit run is masked whole, not cut after 15 digits with a tail in clear.
const NUMBER_IN_TEXT = /\+[1-9][0-9]{4,}/g;

/** Masks every E.164 number found in free text: the last line of defence for log lines. */
export function redactPhoneNumbers(text: string): string {
  return text.replace(NUMBER_IN_TEXT, (found) => maskPhoneNumber(found));
}
