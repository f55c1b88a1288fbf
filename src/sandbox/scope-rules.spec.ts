import { identify } from './api.routes';
import { OAuthFailure } from './oauth-errors';
import { OAuthAccess, PROFILES, profileOperations, profilePaths } from './profiles';
import { purposeOf, readScopes, scopeVocabulary } from './scope-rules';

const accessOf = (name: keyof typeof PROFILES) => PROFILES[name].access as OAuthAccess;
const read = (name: keyof typeof PROFILES, scope: string | null) => readScopes(scope, accessOf(name), scopeVocabulary(PROFILES[name]));
const refusal = (name: keyof typeof PROFILES, scope: string | null): string => {
  try {
    read(name, scope);
  } catch (error) {
    expect(error).toBeInstanceOf(OAuthFailure);
    expect((error as OAuthFailure).error).toBe('invalid_scope');
    return (error as Error).message;
  }
  throw new Error('expected invalid_scope');
};

describe('scope rules per profile', () => {
  it.each([
    ['camara', 'sim-swap:check dpv:FraudPreventionAndDetection dpv:EnforceSecurity'],
    ['telefonica', 'dpv:FraudPreventionAndDetection sim-swap device-swap kyc-tenure:check-tenure'],
    ['orange', 'openid dpv:FraudPreventionAndDetection#sim-swap dpv:FraudPreventionAndDetection#device-swap'],
    ['vonage', 'openid dpv:FraudPreventionAndDetection#check-sim-swap'],
    ['icm', 'openid dpv:FraudPreventionAndDetection sim-swap:check'],
  ] as const)('%s accepts %s', (name, scope) => {
    expect(read(name, scope)).toEqual(scope.split(' '));
  });

  it.each([
    ['camara', 'openid sim-swap:check', /unknown scope\(s\): openid/],
    ['orange', 'sim-swap', /unknown scope\(s\): sim-swap/],
    ['telefonica', 'dpv:FraudPreventionAndDetection dpv:EnforceSecurity sim-swap number-recycling:check', /one purpose per token/],
    ['orange', 'dpv:FraudPreventionAndDetection#sim-swap dpv:EnforceSecurity#number-recycling', /one purpose per token/],
    ['vonage', 'dpv:FraudPreventionAndDetection#check-sim-swap', /must include openid/],
    ['icm', 'sim-swap:check', /must include openid/],
    ['icm', null, /scope is required/],
  ] as const)('%s refuses %s', (name, scope, message) => {
    expect(refusal(name, scope)).toMatch(message);
  });

  it('reads the purpose of a combined scope', () => {
    expect(purposeOf('dpv:FraudPreventionAndDetection#sim-swap')).toBe('dpv:FraudPreventionAndDetection');
    expect(purposeOf('sim-swap')).toBeUndefined();
  });
});

describe('profiles table', () => {
  it('serves the four APIs (six operations) in every profile but camara, which keeps its two versions', () => {
    for (const profile of Object.values(PROFILES)) {
      const ids = new Set(profileOperations(profile).map((operation) => operation.id));
      expect(ids.size).toBe(6);
      expect(profileOperations(profile)).toHaveLength(profile.name === 'camara' ? 8 : 6);
    }
  });

  it('has no path twice in a profile, and a CIBA endpoint exactly with the CIBA grant', () => {
    for (const profile of Object.values(PROFILES)) {
      const paths = profilePaths(profile);
      expect(new Set(paths).size).toBe(paths.length);
      if (profile.access.kind === 'oauth') expect(profile.access.authorizePath !== undefined).toBe(profile.access.grants.includes('ciba'));
    }
  });
});

describe('identify (identifier rules)', () => {
  const twoLegged = { scopes: new Set<string>(), expiresAt: 1 };
  const threeLegged = { ...twoLegged, phoneNumber: '+34600000001' };

  it.each([
    ['2-legged with phoneNumber', twoLegged, '+34600000002', 'forbidden', { ok: true, phoneNumber: '+34600000002' }],
    ['2-legged without', twoLegged, undefined, 'required', { ok: false, status: 422, code: 'MISSING_IDENTIFIER' }],
    ['3-legged forbidden, without', threeLegged, undefined, 'forbidden', { ok: true, phoneNumber: '+34600000001' }],
    ['3-legged forbidden, with', threeLegged, '+34600000001', 'forbidden', { ok: false, status: 422, code: 'UNNECESSARY_IDENTIFIER' }],
    ['3-legged required, without', threeLegged, undefined, 'required', { ok: false, status: 422, code: 'MISSING_IDENTIFIER' }],
    ['3-legged required, same', threeLegged, '+34600000001', 'required', { ok: true, phoneNumber: '+34600000001' }],
    ['3-legged required, another', threeLegged, '+34600000002', 'required', { ok: false, status: 403, code: 'INVALID_TOKEN_CONTEXT' }],
  ] as const)('%s', (_label, token, given, rule, expected) => {
    expect(identify(token, given, rule)).toMatchObject(expected);
  });
});
