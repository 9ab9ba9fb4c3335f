import { RequestMethod } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';

/** A route left out of the per-request HTTP log, as Nest's middleware exclusion names it. */
export interface UnloggedRoute {
  path: string;
  method: RequestMethod;
}

/**
 * Structured JSON logs (pino). Authorization headers are redacted at the source so a key never
 * reaches a log line. `unlogged` routes get no HTTP log line of their own: pino-http serializes (and
 * redacts) each request into a child logger before it knows whether a line will be written, which
 * cost the gateway about a quarter of its throughput on predict (bench scenario 1, 3959 → 5135 req/s
 * without it); the gateway's predictions are recorded one by one in the prediction log instead.
 */
export function loggingModule(app: string, unlogged: UnloggedRoute[] = []) {
  return LoggerModule.forRoot({
    // nestjs-pino's default route pattern matches nothing under NestJS 12 with Fastify, which left every
    // request unlogged; a path-to-regexp v8 wildcard matches every path.
    forRoutes: [{ path: '*path', method: RequestMethod.ALL }],
    exclude: unlogged,
    pinoHttp: {
      level: process.env.LOG_LEVEL ?? 'info',
      base: { app },
      redact: ['req.headers.authorization', 'req.headers.cookie'],
      autoLogging: { ignore: (req) => req.url === '/metrics' || (req.url ?? '').startsWith('/health') },
      customLogLevel: (_req, res, error) =>
        error || res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? 'warn' : 'info',
    },
  });
}
