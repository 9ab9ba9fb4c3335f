import { RequestMethod } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';

/**
 * Structured JSON logs (pino). Authorization headers are redacted at the source so a key never
 * reaches a log line.
 */
export function loggingModule(app: string) {
  return LoggerModule.forRoot({
    // nestjs-pino's default route pattern matches nothing under NestJS 12 with Fastify, which left every
    // request unlogged; a path-to-regexp v8 wildcard matches every path.
    forRoutes: [{ path: '*path', method: RequestMethod.ALL }],
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
