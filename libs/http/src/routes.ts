import type { FastifyInstance } from 'fastify';

export interface RegisteredRoute {
  method: string;
  url: string;
}

interface RouteTable {
  routes: RegisteredRoute[];
  /** Each path pattern as a regular expression with the methods it serves; built on first use. */
  patterns?: Array<{ pattern: RegExp; methods: Set<string> }>;
}

const ROUTES = new WeakMap<FastifyInstance, RouteTable>();

/** Records every route as it is registered, so tests can check each against the access table. */
export function recordRoutes(fastify: FastifyInstance): void {
  const table: RouteTable = { routes: [] };
  ROUTES.set(fastify, table);
  fastify.addHook('onRoute', (route) => {
    for (const method of [route.method].flat()) table.routes.push({ method, url: route.url });
    table.patterns = undefined;
  });
}

export function registeredRoutes(fastify: FastifyInstance): RegisteredRoute[] {
  return [...(ROUTES.get(fastify)?.routes ?? [])];
}

/** A route URL as the router reads it: `:param` is one non-empty segment, `*` the rest of the path. */
export function routePattern(url: string): RegExp {
  const source = url
    .split('/')
    .map((segment) => (segment === '*' ? '.*' : segment.startsWith(':') ? '[^/]+' : segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
    .join('/');
  return new RegExp(`^${source}$`);
}

/**
 * The methods some route serves at this path (query string ignored), sorted: what a 405 names in
 * `Allow` when no route serves the request's own method there. Empty when no route has the path.
 */
export function methodsServing(fastify: FastifyInstance, url: string): string[] {
  const table = ROUTES.get(fastify);
  if (!table) return [];
  if (!table.patterns) {
    const byUrl = new Map<string, Set<string>>();
    for (const route of table.routes) byUrl.set(route.url, (byUrl.get(route.url) ?? new Set()).add(route.method));
    table.patterns = [...byUrl].map(([routeUrl, methods]) => ({ pattern: routePattern(routeUrl), methods }));
  }
  const path = url.split('?', 1)[0];
  const methods = new Set<string>();
  for (const { pattern, methods: served } of table.patterns) if (pattern.test(path)) for (const m of served) methods.add(m);
  return [...methods].sort();
}
