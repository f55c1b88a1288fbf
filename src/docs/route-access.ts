import { INestApplication, RequestMethod, Type } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import { ModulesContainer, Reflector } from '@nestjs/core';
import { routeAccess, RouteAccess } from '../auth/auth.decorators';

export type { RouteAccess };

function routePath(...parts: unknown[]): string {
  const segments = parts.flatMap((part) => String(part ?? '').split('/')).filter(Boolean);
  return `/${segments.join('/')}`.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
}

/**
 * How AuthGuard protects each controller route ("get /v1/decisions/{id}" -> access), read from
 * the guard's own rule (routeAccess): the document cannot say less than the guard enforces.
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
        const rule = routeAccess(reflector, [handler, controller]);
        for (const path of [Reflect.getMetadata(PATH_METADATA, handler) as string | string[]].flat()) {
          access.set(`${method} ${routePath(Reflect.getMetadata(PATH_METADATA, controller), path)}`, rule);
        }
      }
    }
  }
  return access;
}
