import type { IncomingMessage, ServerResponse } from 'node:http';
import { RequestMethod } from '@nestjs/common';
import type { FastifyInstance } from 'fastify';
import { LoggerModule, PinoLogger } from 'nestjs-pino';
import { pinoHttp } from 'pino-http';
import { redactKeys } from '@switchyard/auth';
import { installRouteUrl, routeUrlOf } from './route-url';

/** A value with every key-shaped string in it redacted (strings, and arrays of them as headers repeat). */
function scrub(value: unknown): unknown {
  if (typeof value === 'string') return redactKeys(value);
  if (Array.isArray(value)) return value.map(scrub);
  return value;
}

function scrubAll(values: Record<string, unknown> | undefined): Record<string, unknown> | undefined {
  return values && Object.fromEntries(Object.entries(values).map(([name, value]) => [name, scrub(value)]));
}

/**
 * The request as pino-http logs it, with keys sent in the wrong place (`?api_key=`, `X-Api-Key`, any
 * header or query value shaped like `sy_…`) redacted. Copies: the headers object is the live request's.
 */
export function requestWithoutKeys(req: Record<string, unknown>): Record<string, unknown> {
  return {
    ...req,
    url: scrub(req.url),
    query: scrubAll(req.query as Record<string, unknown> | undefined),
    headers: scrubAll(req.headers as Record<string, unknown> | undefined),
  };
}

/** A log line's own fields (a URL, a problem's instance) with key-shaped strings redacted. */
export function logFieldsWithoutKeys(fields: Record<string, unknown>): Record<string, unknown> {
  for (const value of Object.values(fields)) if (typeof value === 'string' && value.includes('sy_')) return scrubAll(fields)!;
  return fields;
}

/**
 * The level of a request's log line: errors and 5xx at error, 4xx at warn, the rest at info except
 * answered `routinePolls` (paths other services read every few seconds, such as the gateways' reads of
 * deployments and key states), which would drown everything else at info and are logged at debug.
 */
export function requestLogLevel(url: string, statusCode: number, failed: boolean, routinePolls: readonly string[]): 'error' | 'warn' | 'info' | 'debug' {
  if (failed || statusCode >= 500) return 'error';
  if (statusCode >= 400) return 'warn';
  return routinePolls.includes(url.split('?')[0]) ? 'debug' : 'info';
}

/** The request log's own options (pino-http's), whichever way it is mounted. */
function requestLogOptions(routinePolls: readonly string[]) {
  return {
    serializers: { req: requestWithoutKeys },
    autoLogging: { ignore: (req: IncomingMessage) => req.url === '/metrics' || (req.url ?? '').startsWith('/health') },
    customLogLevel: (req: IncomingMessage, res: ServerResponse, error?: Error) => requestLogLevel(req.url ?? '', res.statusCode, error !== undefined, routinePolls),
  };
}

export interface LoggingOptions {
  /** Paths other services read every few seconds, logged at debug when answered (see requestLogLevel). */
  routinePolls?: readonly string[];
  /**
   * How the HTTP request log is mounted. `middleware` (the default): nestjs-pino's, on every route,
   * which also binds each request's logger to the logs written while it is served (through an
   * AsyncLocalStorage). `fastify-hook`: the app calls {@link installRequestLog} instead, which can pass
   * routes by without any work. The gateway does: Nest's middleware host runs on every request, and
   * once any AsyncLocalStorage has run, Node 20 calls a hook on every promise the process creates —
   * together some 15 % of the gateway's CPU per prediction (bench scenario 1, 118–124 → 100–107 µs).
   */
  requestLog?: 'middleware' | 'fastify-hook';
}

/**
 * Structured JSON logs (pino). Authorization headers are redacted at the source, and so is any other
 * header, query or log field value that looks like a key (`sy_…`), so a key never reaches a log line.
 */
export function loggingModule(app: string, options: LoggingOptions = {}) {
  const { serializers, autoLogging, customLogLevel } = requestLogOptions(options.routinePolls ?? []);
  return LoggerModule.forRoot({
    // nestjs-pino's default route pattern matches nothing under NestJS 12 with Fastify, which left every
    // request unlogged; a path-to-regexp v8 wildcard matches every path.
    forRoutes: options.requestLog === 'fastify-hook' ? [] : [{ path: '*path', method: RequestMethod.ALL }],
    pinoHttp: {
      level: process.env.LOG_LEVEL ?? 'info',
      base: { app },
      redact: ['req.headers.authorization', 'req.headers.cookie'],
      serializers,
      formatters: { log: logFieldsWithoutKeys },
      autoLogging,
      customLogLevel,
    },
  });
}

/**
 * The request log of an app whose logging module is mounted with `requestLog: 'fastify-hook'`: the same
 * lines as nestjs-pino's middleware writes, through the same root logger, from a Fastify hook. Requests
 * to `unloggedRoutes` (as Fastify names them) get no line and cost one set lookup: pino-http serializes
 * and redacts each request into a child logger before it knows whether a line will be written, which
 * cost the gateway about a quarter of its throughput on predict (bench scenario 1, 3959 → 5135 req/s
 * without it); the gateway's predictions are recorded one by one in the prediction log instead.
 */
export function installRequestLog(fastify: FastifyInstance, options: { unloggedRoutes: readonly string[]; routinePolls?: readonly string[] }): void {
  const unlogged = new Set(options.unloggedRoutes);
  // The root nestjs-pino built when the app's Logger was created: its level, redaction and formatters.
  if (!PinoLogger.root) throw new Error('installRequestLog needs the app\'s logging module to be loaded first');
  const log = pinoHttp({ logger: PinoLogger.root, ...requestLogOptions(options.routinePolls ?? []) });
  installRouteUrl(fastify);
  fastify.addHook('onRequest', (request, reply, done) => {
    if (!unlogged.has(routeUrlOf(request) ?? '')) {
      // pino-http names the line's request by the raw request's id, as nestjs-pino's middleware sets it.
      (request.raw as IncomingMessage & { id?: string }).id = request.id;
      log(request.raw, reply.raw);
    }
    done();
  });
}
