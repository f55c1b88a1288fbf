import { PermissionDeniedError } from '../common/errors/domain.error';
import { assertUseCase, hasScope, mayUseCase, Principal } from './scopes';

const key = (scopes: Principal['scopes'], useCases: Principal['useCases'] = null): Principal => ({ keyId: 'k', label: 'app', scopes, useCases, rateLimitPerSecond: null });

describe('scopes', () => {
  it.each<[Principal['scopes'], boolean]>([
    [['decisions:write'], true],
    [['decisions:read'], false],
    [['admin'], true],
    [[], false],
  ])('a key with %j may write decisions: %s', (scopes, expected) => {
    expect(hasScope(key(scopes), 'decisions:write')).toBe(expected);
  });

  it('limits a key with a use case list to those use cases; null means all', () => {
    expect(mayUseCase(key(['admin'], null), 'lending')).toBe(true);
    expect(mayUseCase(key(['admin'], ['onboarding']), 'onboarding')).toBe(true);
    expect(mayUseCase(key(['admin'], ['onboarding']), 'lending')).toBe(false);
    expect(mayUseCase(key(['admin'], []), 'onboarding')).toBe(false);
  });

  it('refuses another use case with 403, naming it only when it looks like a policy id', () => {
    const limited = key(['decisions:write'], ['onboarding']);
    expect(() => assertUseCase(limited, 'onboarding')).not.toThrow();
    expect(() => assertUseCase(limited, 'lending')).toThrow(new PermissionDeniedError('This API key may not use the use case "lending".'));
    expect(() => assertUseCase(limited, '+34600000001')).toThrow(new PermissionDeniedError('This API key may not use the use case.'));
    expect(() => assertUseCase(limited, 'x'.repeat(65))).toThrow(new PermissionDeniedError('This API key may not use the use case.'));
  });
});
