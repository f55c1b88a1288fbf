import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { PermissionDeniedError, TooManyRequestsError, UnauthenticatedError } from '../common/errors/domain.error';
import { AppConfig } from '../config/app-config';
import { ApiKeyService } from './api-key.service';
import { AuthenticatedRequest, routeAccess } from './auth.decorators';
import { KeyRateLimiter } from './rate-limiter';
import { hasScope } from './scopes';

/** RFC 7235: the scheme name is case-insensitive (`bearer`, `BEARER`), followed by one or more spaces. */
const BEARER = /^Bearer +([\x21-\x7e]{1,200})$/i;

/**
 * Every route needs an API key unless marked @Public(): fail closed, so a new route is
 * protected (as `admin`) until it declares its scope. Order: who (401), how often (429),
 * what (403). The 401 never says whether a key exists.
 */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly keys: ApiKeyService,
    private readonly config: AppConfig,
    private readonly limiter: KeyRateLimiter,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const access = routeAccess(this.reflector, [context.getHandler(), context.getClass()]);
    if (access.public) return true;
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const header = request.headers.authorization;
    const token = typeof header === 'string' ? BEARER.exec(header)?.[1] : undefined;
    const principal = token === undefined ? undefined : await this.keys.authenticate(token);
    if (!principal) throw new UnauthenticatedError('A valid API key is required: Authorization: Bearer <key>.');
    const wait = await this.limiter.take(principal.keyId, principal.rateLimitPerSecond ?? this.config.RATE_LIMIT_PER_SECOND);
    if (wait > 0) throw new TooManyRequestsError('Rate limit of this API key exceeded; retry later.', wait);
    if (access.scope !== null && !hasScope(principal, access.scope)) throw new PermissionDeniedError(`This API key lacks the scope ${access.scope}.`);
    request.principal = principal;
    return true;
  }
}
