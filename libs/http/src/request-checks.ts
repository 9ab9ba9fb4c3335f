import { Logger } from '@nestjs/common';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { DomainError, sendOipError, sendProblem, toProblem } from '@switchyard/errors';
import { installRouteUrl, routeUrlOf } from './route-url';
import { methodsServing } from './routes';

const logger = new Logger('RequestChecks');

/** Answers an error in the route's own shape: `{"error"}` on OIP routes, problem+json elsewhere. */
export function answerError(request: FastifyRequest, reply: FastifyReply, error: unknown, oipRoutes?: RegExp, log: Logger = logger): FastifyReply {
  const problem = toProblem(error, request.url, log);
  if (oipRoutes?.test(request.url)) sendOipError(reply, problem);
  else sendProblem(reply, problem);
  return reply;
}

const MULTIPART_FORM_DATA = /^\s*multipart\/form-data\s*(?:;|$)/i;

/**
 * Whether a Content-Type's media type is multipart/form-data, parameters or not. One regular
 * expression: a split, a trim and a lower-casing made three strings on every request with a body.
 */
export function isMultipartFormData(contentType: string): boolean {
  return MULTIPART_FORM_DATA.test(contentType);
}

/** RFC 2046: 1–70 characters from this set, the last not a space. */
const BOUNDARY = /^[0-9A-Za-z'()+_,./:=? -]{0,69}[0-9A-Za-z'()+_,./:=?-]$/;

/** The `boundary` parameter of a Content-Type, unquoted; undefined when it has none. */
export function boundaryOf(contentType: string): string | undefined {
  for (const parameter of contentType.split(';').slice(1)) {
    const separator = parameter.indexOf('=');
    if (separator < 0 || parameter.slice(0, separator).trim().toLowerCase() !== 'boundary') continue;
    const value = parameter.slice(separator + 1).trim();
    return value.length >= 2 && value.startsWith('"') && value.endsWith('"') ? value.slice(1, -1) : value;
  }
  return undefined;
}

export interface RequestChecksOptions {
  oipRoutes?: RegExp;
  /** Routes that take `multipart/form-data` (`POST /v1/models/:name/versions`); every other route takes JSON. */
  multipartRoutes?: string[];
}

/**
 * Checks Fastify's router and body parsers leave to the app, made before a body is read:
 * - a path some route serves, asked with another method: 405 with `Allow` (Fastify answers 404);
 * - `multipart/form-data` only where a route takes it (415 elsewhere, where the multipart parser
 *   would otherwise hand the route an empty body), and only with a valid `boundary` (400), which the
 *   multipart parser would otherwise fail on as a 500.
 * JSON is the only other body type any app parses (json-body.ts): anything else is Fastify's 415.
 */
export function installRequestChecks(fastify: FastifyInstance, options: RequestChecksOptions): void {
  const multipartRoutes = new Set(options.multipartRoutes ?? []);
  installRouteUrl(fastify);
  fastify.addHook('onRequest', (request, reply, done) => {
    if (!refusedUnfit(request, reply)) done();
  });

  /** Answers a request whose method or body type the route cannot take; false when it may go on. */
  function refusedUnfit(request: FastifyRequest, reply: FastifyReply): boolean {
    const routeUrl = routeUrlOf(request);
    if (routeUrl === undefined) {
      const allowed = methodsServing(fastify, request.url);
      if (allowed.length === 0) return false;
      void reply.header('Allow', allowed.join(', '));
      answerError(request, reply, new DomainError('METHOD_NOT_ALLOWED', `this path does not take ${request.method}; it takes ${allowed.join(', ')}`), options.oipRoutes);
      return true;
    }
    const contentType = request.headers['content-type'];
    if (contentType === undefined || request.method === 'GET' || request.method === 'HEAD') return false;
    if (!isMultipartFormData(contentType)) return false;
    if (!multipartRoutes.has(`${request.method} ${routeUrl}`)) {
      answerError(request, reply, new DomainError('UNSUPPORTED_MEDIA_TYPE', 'this route takes a JSON body: send it as application/json'), options.oipRoutes);
      return true;
    }
    const boundary = boundaryOf(contentType);
    if (boundary === undefined || !BOUNDARY.test(boundary)) {
      answerError(
        request,
        reply,
        new DomainError('VALIDATION_FAILED', 'multipart/form-data needs a boundary parameter of 1 to 70 characters (RFC 2046), the one that delimits the body\'s parts', {
          errors: [{ field: 'content-type', message: 'must name the boundary: multipart/form-data; boundary=...' }],
        }),
        options.oipRoutes,
      );
      return true;
    }
    return false;
  }
}

/**
 * An error handler for routes registered on Fastify directly (no Nest exception filter sees them):
 * the same problem+json, or OIP `{"error"}`, as Nest's ProblemDetailsFilter answers for its routes.
 */
export function routeErrorHandler(oipRoutes?: RegExp): (error: unknown, request: FastifyRequest, reply: FastifyReply) => FastifyReply {
  const log = new Logger('ProblemDetails');
  return (error, request, reply) => answerError(request, reply, error, oipRoutes, log);
}
