import { PermissionDeniedError } from '../common/errors/domain.error';

/**
 * What an API key may do. `admin` covers every other scope: it is the key an operator
 * bootstraps with, and it creates the narrower keys that applications use.
 */
export const SCOPES = ['decisions:write', 'decisions:read', 'policies:read', 'cases:read', 'cases:write', 'admin'] as const;
export type Scope = (typeof SCOPES)[number];

/** The authenticated caller of a request: an API key, never its secret. */
export interface Principal {
  keyId: string;
  label: string;
  scopes: readonly Scope[];
  /** The use cases the key may decide and read; null for all. */
  useCases: readonly string[] | null;
  /** Requests per second for this key; null for the configured default. */
  rateLimitPerSecond: number | null;
}

export function hasScope(principal: Principal, scope: Scope): boolean {
  return principal.scopes.includes('admin') || principal.scopes.includes(scope);
}

export function mayUseCase(principal: Principal, useCase: string): boolean {
  return principal.useCases === null || principal.useCases.includes(useCase);
}

/** What a key's use case list may hold: policy ids (a-z, 0-9, _). */
export const USE_CASE_ID = /^[a-z0-9_]{1,64}$/;

/** Refuses a use case outside the key's list (403, the use case is the caller's own input). */
export function assertUseCase(principal: Principal, useCase: string): void {
  if (!mayUseCase(principal, useCase)) {
    // Echoed only when it looks like a policy id: a path parameter can hold anything (a number).
    const named = USE_CASE_ID.test(useCase) ? ` "${useCase}"` : '';
    throw new PermissionDeniedError(`This API key may not use the use case${named}.`);
  }
}
