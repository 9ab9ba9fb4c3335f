import { randomUUID } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Logger } from '@nestjs/common';
import { DomainError, sendOipError, sendProblem, toProblem } from '@switchyard/errors';

/**
 * One rule for a request id, wherever it comes from (the `X-Request-Id` header, the `request_id` of
 * feedback): 1–128 visible ASCII characters, no spaces. It is echoed in a header, logged, stored in the
 * prediction log and in the Redis feedback index, so it must be bounded and safe in every one of them.
 */
export const MAX_REQUEST_ID_LENGTH = 128;
export const REQUEST_ID_PATTERN = /^[\x21-\x7e]{1,128}$/;
export const REQUEST_ID_RULE = `1–${MAX_REQUEST_ID_LENGTH} visible ASCII characters without spaces`;

export function isValidRequestId(value: unknown): boolean {
  return typeof value === 'string' && REQUEST_ID_PATTERN.test(value);
}

function headerOf(request: { headers: Record<string, string | string[] | undefined> }): string | string[] | undefined {
  return request.headers['x-request-id'];
}

/**
 * Fastify's request id: the client's `X-Request-Id` when it follows the rule, a UUID otherwise (a
 * request with a bad one is refused by {@link installRequestIdRule}, and its answer carries the UUID).
 */
export function requestIdOf(request: { headers: Record<string, string | string[] | undefined> }): string {
  const header = headerOf(request);
  return typeof header === 'string' && isValidRequestId(header) ? header : randomUUID();
}

/**
 * Refuses a request whose `X-Request-Id` breaks the rule with a 400 that names it, on every route, before
 * authentication: silently replacing it would leave the client holding an id no feedback can name.
 */
export function installRequestIdRule(fastify: FastifyInstance, oipRoutes?: RegExp): void {
  const logger = new Logger('RequestId');
  // Callback-style hooks here and in the other checks every request passes: an async hook costs a
  // promise per request even when it has nothing to do.
  fastify.addHook('onRequest', (request: FastifyRequest, reply, done) => {
    const header = headerOf(request);
    if (header === undefined || isValidRequestId(header)) return done();
    const shown = Array.isArray(header)
      ? `${header.length} X-Request-Id headers`
      : header.length > MAX_REQUEST_ID_LENGTH ? `an X-Request-Id of ${header.length} characters` : 'an X-Request-Id with a space or a character outside visible ASCII';
    const message = `X-Request-Id must be one header of ${REQUEST_ID_RULE}; this request sent ${shown}`;
    const problem = toProblem(new DomainError('VALIDATION_FAILED', message, { errors: [{ field: 'X-Request-Id', message }] }), request.url, logger);
    if (oipRoutes?.test(request.url)) sendOipError(reply, problem);
    else sendProblem(reply, problem);
  });
}
