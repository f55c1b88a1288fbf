import { INestApplication, RequestMethod, Type } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import { ModulesContainer, Reflector } from '@nestjs/core';
import { PUBLIC_KEY, SCOPE_KEY } from '../auth/auth.decorators';
import { Scope } from '../auth/scopes';

export interface RouteAccess {
  public: boolean;
  /** The scope AuthGuard asks for (`admin` when the route declares none). */
  scope: Scope;
}

function routePath(...parts: unknown[]): string {
  const segments = parts.flatMap((part) => String(part ?? '').split('/')).filter(Boolean);
  return `/${segments.join('/')}`.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
}

/**
 * How AuthGuard protects each controller route ("get /v1/decisions/{id}" -> access), read from
 * the metadata the guard reads, the way it reads it: the document cannot say less than the
 * guard enforces.
 */
export function accessByRoute(app: INestApplication): Map<string, RouteAccess> {
  const reflector = new Reflector();
  const access = new Map<string, RouteAccess>();
  for (const module of app.get(ModulesContainer).values()) {
    for (const wrapper of module.controllers.values()) {
      const controller = wrapper.metatype as Type | null;
      if (!controller) continue;
      const prototype = controller.prototype as Record<string, unknown>;
      for (const name of Object.getOwnPropertyNames(prototype)) {
        const handler = prototype[name];
        if (typeof handler !== 'function' || Reflect.getMetadata(METHOD_METADATA, handler) === undefined) continue;
        const method = (RequestMethod[Reflect.getMetadata(METHOD_METADATA, handler) as RequestMethod] ?? '').toLowerCase();
        const targets = [handler, controller];
        for (const path of [Reflect.getMetadata(PATH_METADATA, handler) as string | string[]].flat()) {
          access.set(`${method} ${routePath(Reflect.getMetadata(PATH_METADATA, controller), path)}`, {
            public: reflector.getAllAndOverride<boolean>(PUBLIC_KEY, targets) ?? false,
            scope: reflector.getAllAndOverride<Scope>(SCOPE_KEY, targets) ?? 'admin',
          });
        }
      }
    }
  }
  return access;
}
