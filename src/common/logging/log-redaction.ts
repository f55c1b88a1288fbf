import { KEY_IN_TEXT } from '../../auth/api-key-secret';
import { maskPhoneNumber, redactPhoneNumbers } from '../phone/phone-number';

// A number as it appears in a URL-encoded query or form value (`+` is `%2B`): a client that
// puts it in a path or a query string must not get it into the logs that way either.
const ENCODED_NUMBER_IN_TEXT = /%2B([1-9][0-9]{4,})/gi;

/**
 * What a log line may not carry, masked wherever it appears in the line (message, stack,
 * fields): E.164 phone numbers, in clear or URL-encoded, and API keys, of which only the id
 * (not a secret: it names the key in `GET /v1/keys`) is kept. The last line of defence: code
 * should not log these in the first place.
 */
export function redactSecrets(text: string): string {
  return redactPhoneNumbers(text)
    .replace(ENCODED_NUMBER_IN_TEXT, (_found, digits: string) => `%2B${maskPhoneNumber(`+${digits}`).slice(1)}`)
    .replace(KEY_IN_TEXT, (key) => `${key.slice(0, 'lt_'.length + 16)}_[redacted]`);
}
