import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { isDependencyFailure } from './dependency-failure';
import { DomainError, type DomainErrorCode } from './domain-error';
import { OIP_ERROR_CONTENT_TYPE, PROBLEM_CONTENT_TYPE, type ProblemDetails, problemKindOf, problemTypeOf } from './problem-details';

/** Fastify's own errors (raised before a handler runs) that callers can fix, by Fastify error code. */
const FASTIFY_CODES: Record<string, DomainErrorCode> = {
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'VALIDATION_FAILED',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'VALIDATION_FAILED',
  FST_ERR_CTP_INVALID_JSON_BODY: 'VALIDATION_FAILED',
  FST_ERR_CTP_BODY_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
  FST_ERR_CTP_INVALID_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
  FST_INVALID_MULTIPART_CONTENT_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
  FST_REQ_FILE_TOO_LARGE: 'ARTIFACT_TOO_LARGE',
  FST_PARTS_LIMIT: 'PAYLOAD_TOO_LARGE',
  FST_FILES_LIMIT: 'VALIDATION_FAILED',
  FST_FIELDS_LIMIT: 'PAYLOAD_TOO_LARGE',
  FST_PROTO_VIOLATION: 'VALIDATION_FAILED',
  FST_ERR_MAX_PARAM_LENGTH: 'ROUTE_NOT_FOUND',
  FST_ERR_BAD_URL: 'MALFORMED_REQUEST',
};

/**
 * Fastify's messages for these quote the whole path back, or say only "Unsupported Media Type"; the
 * answer says what to fix instead.
 */
const FASTIFY_DETAILS: Record<string, string> = {
  FST_ERR_CTP_INVALID_MEDIA_TYPE:
    "this route does not read a body of this Content-Type: send JSON as application/json (an artifact upload as multipart/form-data, an Open Inference Protocol binary request with Inference-Header-Content-Length)",
  FST_ERR_MAX_PARAM_LENGTH: 'no route matches this path: one of its segments is longer than any model name, version or alias can be',
  FST_ERR_BAD_URL: 'the path does not decode: check its percent-encoding',
};

/**
 * The multipart parser's errors carry no code, only these messages: a body whose delimiters are not
 * the boundary its Content-Type names, or that ends before its closing delimiter.
 */
const MULTIPART_PARSE_ERRORS = [/^Multipart: Boundary not found$/, /unexpected end of multipart data$/i];

/** Errors Node's HTTP parser reports through 'clientError', before Fastify sees a request. */
const CLIENT_ERRORS: Record<string, { code: DomainErrorCode; detail: string }> = {
  ERR_HTTP_REQUEST_TIMEOUT: { code: 'REQUEST_TIMEOUT', detail: 'the request headers did not arrive in time; send the whole request at once' },
  HPE_HEADER_OVERFLOW: { code: 'HEADERS_TOO_LARGE', detail: 'the request headers are larger than this server accepts (16 KiB together)' },
};

const HTTP_STATUS_CODES: Record<number, DomainErrorCode> = {
  400: 'VALIDATION_FAILED',
  404: 'ROUTE_NOT_FOUND',
  405: 'METHOD_NOT_ALLOWED',
  408: 'REQUEST_TIMEOUT',
  431: 'HEADERS_TOO_LARGE',
  413: 'PAYLOAD_TOO_LARGE',
  415: 'UNSUPPORTED_MEDIA_TYPE',
};

function fromDomainError(error: DomainError, instance: string | undefined): ProblemDetails {
  const { status, title } = problemKindOf(error.code);
  return {
    ...error.extensions,
    type: problemTypeOf(error.code),
    title,
    status,
    detail: error.detail,
    instance,
    ...(error.errors ? { errors: error.errors } : {}),
  };
}

function asDomainError(error: unknown): DomainError | undefined {
  if (error instanceof DomainError) return error;
  const fastifyCode = (error as { code?: unknown })?.code;
  if (typeof fastifyCode === 'string' && FASTIFY_CODES[fastifyCode]) {
    return new DomainError(FASTIFY_CODES[fastifyCode], FASTIFY_DETAILS[fastifyCode] ?? (error as Error).message);
  }
  if (error instanceof Error && MULTIPART_PARSE_ERRORS.some((pattern) => pattern.test(error.message))) {
    return new DomainError(
      'VALIDATION_FAILED',
      `the multipart body does not parse (${error.message}): its parts must be delimited by the boundary its Content-Type names, and it must end with the closing delimiter`,
    );
  }
  if (error instanceof HttpException) {
    // Nest's answer for an unmatched route, "Cannot GET <the whole path>", would repeat any path back.
    if (error.getStatus() === 404) return new DomainError('ROUTE_NOT_FOUND', 'no route serves this path; the API is described at /openapi.json');
    const code = HTTP_STATUS_CODES[error.getStatus()];
    if (code) return new DomainError(code, error.message);
    // Terminus reports a failed readiness check this way; its body says which dependency is down.
    if (error.getStatus() === 503) {
      return new DomainError('DEPENDENCY_UNAVAILABLE', 'a dependency is not available', { extensions: { health: error.getResponse() } });
    }
  }
  const status = (error as { statusCode?: unknown })?.statusCode;
  if (typeof status === 'number' && HTTP_STATUS_CODES[status]) {
    return new DomainError(HTTP_STATUS_CODES[status], (error as Error).message);
  }
  return undefined;
}

/**
 * Turns any error into problem+json. Unknown errors become a 500 whose body carries only a
 * correlation id; the log has the whole error.
 */
export function toProblem(error: unknown, instance: string, logger: Logger): ProblemDetails {
  const domainError = asDomainError(error);
  if (domainError) return fromDomainError(domainError, instance);
  if (isDependencyFailure(error)) {
    logger.warn({ err: error, instance }, 'a dependency is unavailable');
    return fromDomainError(new DomainError('DEPENDENCY_UNAVAILABLE', 'a service this request needs (database, queue or artifact store) is unavailable; retry shortly'), instance);
  }
  const correlationId = randomUUID();
  logger.error({ err: error, correlation_id: correlationId, instance }, 'unhandled error');
  return {
    type: '/problems/internal-error',
    title: 'Internal server error',
    status: 500,
    detail: `An unexpected error occurred; quote correlation id ${correlationId} when reporting it.`,
    instance,
    correlation_id: correlationId,
  };
}

/**
 * The problem for an error Node's HTTP parser raised on a connection (a request that is not HTTP/1.1,
 * headers too large or too slow), which no request object exists for.
 */
export function clientErrorProblem(error: { code?: unknown }, instance?: string): ProblemDetails {
  const known = typeof error.code === 'string' ? CLIENT_ERRORS[error.code] : undefined;
  return fromDomainError(new DomainError(known?.code ?? 'MALFORMED_REQUEST', known?.detail ?? 'the request is not valid HTTP/1.1'), instance);
}

export function sendProblem(reply: FastifyReply, problem: ProblemDetails): void {
  if (problem.status === 503) reply.header('Retry-After', '5');
  void reply.status(problem.status).header('Content-Type', PROBLEM_CONTENT_TYPE).send(problem);
}

/** Statuses the OIP routes keep as they are; any other 4xx is the protocol's 400. */
const PASSED_THROUGH_OIP = new Set([401, 403, 404, 405, 408, 413, 415, 429, 431]);

/**
 * The status an OIP route answers for a problem, and its `{"error": ...}` body: the detail, then the
 * field errors (`field: message`) it does not already say. Tensor decoding writes every problem into
 * its detail as well, and a detail that is one error's message is that error with its field named:
 * either way the one string would otherwise say the same thing twice.
 */
export function oipErrorOf(problem: ProblemDetails): { status: number; body: { error: string } } {
  const status = PASSED_THROUGH_OIP.has(problem.status) || problem.status >= 500 ? problem.status : 400;
  const unsaid = (problem.errors ?? []).filter((e) => !problem.detail.includes(`${e.field}: ${e.message}`));
  let message = problem.detail;
  if (unsaid.length === 1 && unsaid[0].message === problem.detail) message = `${unsaid[0].field}: ${unsaid[0].message}`;
  else if (unsaid.length > 0) message = `${problem.detail} (${unsaid.map((e) => `${e.field}: ${e.message}`).join('; ')})`;
  return { status, body: { error: message } };
}

/**
 * The Open Inference Protocol answers errors as `{"error": "..."}`: 400 for a bad request, 404 for an
 * unknown model or version (503 stays 503: the model is not loaded yet, or a dependency is down).
 */
export function sendOipError(reply: FastifyReply, problem: ProblemDetails): void {
  const { status, body } = oipErrorOf(problem);
  if (status === 503) reply.header('Retry-After', '5');
  // A serializer of the reply's own: Fastify appends `; charset=utf-8` to a JSON type it serializes itself.
  void reply.status(status).header('Content-Type', OIP_ERROR_CONTENT_TYPE).serializer(JSON.stringify).send(body);
}

export interface ProblemDetailsFilterOptions {
  /** Paths answered in the Open Inference Protocol's error format instead of problem+json. */
  oipRoutes?: RegExp;
}

@Catch()
export class ProblemDetailsFilter implements ExceptionFilter {
  private readonly logger = new Logger('ProblemDetails');

  constructor(private readonly options: ProblemDetailsFilterOptions = {}) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const request = http.getRequest<FastifyRequest>();
    const reply = http.getResponse<FastifyReply>();
    const problem = toProblem(exception, request.url, this.logger);
    if (this.options.oipRoutes?.test(request.url)) sendOipError(reply, problem);
    else sendProblem(reply, problem);
  }
}
