import { PHONE_NUMBER_PATTERN } from '../common/phone/phone-number';
import { OAuthFailure } from './oauth-errors';
import { OAuthAccess, SandboxProfile } from './profiles';

/** A CAMARA purpose on its own (`dpv:FraudPreventionAndDetection`), accepted by every profile. */
const PURPOSE = /^dpv:[A-Za-z]+$/;
const LOGIN_HINT = /^tel:(\+.*)$/;

/** The scope tokens a profile's operations name: what a token request may ask for, besides purposes. */
export function scopeVocabulary(profile: SandboxProfile): ReadonlySet<string> {
  return new Set(Object.values(profile.scopes).flatMap((sets) => sets.flat()));
}

/** The purpose a scope token carries: `dpv:X` alone, or `dpv:X` of a combined `dpv:X#api`. */
export function purposeOf(scope: string): string | undefined {
  return scope.startsWith('dpv:') ? scope.split('#')[0] : undefined;
}

/**
 * A token request's `scope` (space separated, RFC 6749 3.3) under the profile's rules: every
 * token known, at most one purpose where the profile says so, `openid` where it requires it.
 */
export function readScopes(scope: string | null, access: OAuthAccess, vocabulary: ReadonlySet<string>): string[] {
  // RFC 6749 3.3: without a default scope, an omitted scope is invalid_scope.
  if (!scope) throw new OAuthFailure('invalid_scope', 'scope is required: the space-separated scopes of the operations to call');
  const scopes = [...new Set(scope.split(' ').filter((item) => item !== ''))];
  const known = (item: string) => vocabulary.has(item) || PURPOSE.test(item) || (item === 'openid' && access.openid !== 'refused');
  const unknown = scopes.filter((item) => !known(item));
  if (unknown.length > 0) throw new OAuthFailure('invalid_scope', `unknown scope(s): ${unknown.join(' ')}`);
  if (access.onePurpose) {
    const purposes = new Set(scopes.map(purposeOf).filter((purpose) => purpose !== undefined));
    if (purposes.size > 1) {
      throw new OAuthFailure('invalid_scope', `one purpose per token: got ${[...purposes].join(', ')}; ask for a token per purpose`);
    }
  }
  if (access.openid === 'required' && !scopes.includes('openid')) {
    throw new OAuthFailure('invalid_scope', 'scope must include openid');
  }
  return scopes;
}

/** `login_hint=tel:+E164` (CIBA core 7.1, and the camara profile's client_credentials shortcut). */
export function readLoginHint(hint: string | null): string | undefined {
  if (!hint) return undefined;
  const number = LOGIN_HINT.exec(hint)?.[1];
  if (!number || !PHONE_NUMBER_PATTERN.test(number)) {
    throw new OAuthFailure('invalid_request', 'login_hint must be tel: followed by an E.164 number, e.g. tel:+34600000001 (form-encoded: tel:%2B34600000001)');
  }
  return number;
}
