import type { FastifyInstance } from 'fastify';

export interface RouteEntry {
  method: string;
  /** Fastify's path, parameters as `:name`. */
  url: string;
}

const tables = new WeakMap<FastifyInstance, RouteEntry[]>();

/**
 * Records every route the application registers (call before Nest registers its routes).
 * Tests walk it to check that each route is protected and documented: a route added later
 * cannot slip past them.
 */
export function trackRoutes(fastify: FastifyInstance): void {
  const table: RouteEntry[] = [];
  tables.set(fastify, table);
  fastify.addHook('onRoute', (route) => {
    for (const method of [route.method].flat()) {
      if (method !== 'HEAD') table.push({ method, url: route.url });
    }
  });
}

export function routesOf(fastify: FastifyInstance): readonly RouteEntry[] {
  return tables.get(fastify) ?? [];
}
