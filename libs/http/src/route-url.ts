import type { FastifyInstance, FastifyRequest } from 'fastify';

declare module 'fastify' {
  interface FastifyRequest {
    /** The matched route's URL pattern once routeUrlOf has read it; null before. */
    routeUrl: string | undefined | null;
  }
}

/** Gives every request the slot routeUrlOf keeps its answer in; once per Fastify instance. */
export function installRouteUrl(fastify: FastifyInstance): void {
  if (!fastify.hasRequestDecorator('routeUrl')) fastify.decorateRequest('routeUrl', null);
}

/**
 * The matched route's URL pattern (`/v1/models/:name/predict`), or undefined when no route matched.
 * Read once per request: Fastify's `request.routeOptions` builds a new object of a dozen fields on
 * every read, and the hooks every request passes (access, request checks, request log, metrics) each
 * need the pattern.
 */
export function routeUrlOf(request: FastifyRequest): string | undefined {
  const known = request.routeUrl;
  if (known !== null) return known;
  const url = request.routeOptions.url;
  request.routeUrl = url;
  return url;
}
