import { RequestMethod } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import { redactKeys } from '@switchyard/auth';

/** A route left out of the per-request HTTP log, as Nest's middleware exclusion names it. */
export interface UnloggedRoute {
  path: string;
  method: RequestMethod;
}

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

/**
 * Structured JSON logs (pino). Authorization headers are redacted at the source, and so is any other
 * header, query or log field value that looks like a key (`sy_…`), so a key never reaches a log line. `unlogged` routes get no HTTP log line of their own: pino-http serializes (and
 * redacts) each request into a child logger before it knows whether a line will be written, which
 * cost the gateway about a quarter of its throughput on predict (bench scenario 1, 3959 → 5135 req/s
 * without it); the gateway's predictions are recorded one by one in the prediction log instead.
 */
export function loggingModule(app: string, unlogged: UnloggedRoute[] = [], routinePolls: readonly string[] = []) {
  return LoggerModule.forRoot({
    // nestjs-pino's default route pattern matches nothing under NestJS 12 with Fastify, which left every
    // request unlogged; a path-to-regexp v8 wildcard matches every path.
    forRoutes: [{ path: '*path', method: RequestMethod.ALL }],
    exclude: unlogged,
    pinoHttp: {
      level: process.env.LOG_LEVEL ?? 'info',
      base: { app },
      redact: ['req.headers.authorization', 'req.headers.cookie'],
      serializers: { req: requestWithoutKeys },
      formatters: { log: logFieldsWithoutKeys },
      autoLogging: { ignore: (req) => req.url === '/metrics' || (req.url ?? '').startsWith('/health') },
      customLogLevel: (req, res, error) => requestLogLevel(req.url ?? '', res.statusCode, error !== undefined, routinePolls),
    },
  });
}
