import { createParamDecorator, ExecutionContext, SetMetadata } from '@nestjs/common';
import type { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { Principal, Scope } from './scopes';

export const SCOPE_KEY = 'linetrust:scope';
export const PUBLIC_KEY = 'linetrust:public';
export const ANY_KEY = 'linetrust:any-key';

/** The scope a route needs. A route with neither this nor @Public() (nor @AnyKey()) needs `admin`. */
export const RequireScope = (scope: Scope) => SetMetadata(SCOPE_KEY, scope);

/** A route any valid API key may call, whatever its scopes (a key reading what it is). */
export const AnyKey = () => SetMetadata(ANY_KEY, true);

/** A route anyone may call without a key (health checks, the API document). */
export const Public = () => SetMetadata(PUBLIC_KEY, true);

export interface RouteAccess {
  public: boolean;
  /** The scope AuthGuard asks for (`admin` when the route declares none); null: any valid key. */
  scope: Scope | null;
}

/**
 * How a route is protected, from its handler and class (`targets`, the handler first so it
 * overrides): the one reading of this metadata, shared by AuthGuard and the API document.
 */
export function routeAccess(reflector: Reflector, targets: Parameters<Reflector['getAllAndOverride']>[1]): RouteAccess {
  return {
    public: reflector.getAllAndOverride<boolean | undefined>(PUBLIC_KEY, targets) ?? false,
    scope: reflector.getAllAndOverride<boolean | undefined>(ANY_KEY, targets) ? null : (reflector.getAllAndOverride<Scope | undefined>(SCOPE_KEY, targets) ?? 'admin'),
  };
}

export type AuthenticatedRequest = FastifyRequest & { principal?: Principal };

/** The API key `request` was authenticated with (set by AuthGuard). */
export function principalOf(request: AuthenticatedRequest): Principal {
  if (!request.principal) throw new Error('CurrentPrincipal used on a route AuthGuard did not authenticate');
  return request.principal;
}

/** The API key the request was authenticated with (set by AuthGuard). */
export const CurrentPrincipal = createParamDecorator((_data: unknown, context: ExecutionContext): Principal =>
  principalOf(context.switchToHttp().getRequest<AuthenticatedRequest>()),
);
