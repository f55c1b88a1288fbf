import { createParamDecorator, ExecutionContext, SetMetadata } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { Principal, Scope } from './scopes';

export const SCOPE_KEY = 'linetrust:scope';
export const PUBLIC_KEY = 'linetrust:public';

/** The scope a route needs. A route with neither this nor @Public() needs `admin`. */
export const RequireScope = (scope: Scope) => SetMetadata(SCOPE_KEY, scope);

/** A route anyone may call without a key (health checks, the API document). */
export const Public = () => SetMetadata(PUBLIC_KEY, true);

export type AuthenticatedRequest = FastifyRequest & { principal?: Principal };

/** The API key the request was authenticated with (set by AuthGuard). */
export const CurrentPrincipal = createParamDecorator((_data: unknown, context: ExecutionContext): Principal => {
  const principal = context.switchToHttp().getRequest<AuthenticatedRequest>().principal;
  if (!principal) throw new Error('CurrentPrincipal used on a route AuthGuard did not authenticate');
  return principal;
});
