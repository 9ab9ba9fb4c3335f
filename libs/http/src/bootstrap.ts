import { type DynamicModule, type INestApplication, Logger as NestLogger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, type OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import { Logger } from 'nestjs-pino';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { type AppName, ruleForOpenApiPath, type TokenBuckets } from '@switchyard/auth';
import { TypedConfig } from '@switchyard/config';
import { ProblemDetailsFilter, createValidationPipe } from '@switchyard/errors';
import { installAccessGuard, type KeyLookup } from './access-guard';
import { clientErrorHandler } from './client-errors';
import { installRequestLog } from './logging';
import { installConnectionDrain } from './connection-drain';
import { installJsonBodyParser } from './json-body';
import { installRequestDecoding } from './content-encoding';
import { MetricsRegistry } from './metrics';
import { answerError, installRequestChecks } from './request-checks';
import { installRequestIdRule, requestIdOf } from './request-id';
import { recordRoutes } from './routes';
import { installRouteUrl, routeUrlOf } from './route-url';

/**
 * Request limits every app shares (docs/api.md, "Limits"). Path parameters are model names (≤ 63),
 * versions and aliases: 200 characters is ample, and a longer segment is a 404 before any handler.
 * 16 KiB of headers is Node's default, set explicitly so it is a documented contract.
 */
export const MAX_PARAM_LENGTH = 200;
export const MAX_HEADER_BYTES = 16 * 1024;
export const DEFAULT_BODY_LIMIT = 1024 * 1024;

export interface HttpAppOptions {
  /** Which section of ROUTE_RULES (libs/auth/src/route-rules.ts) guards this app's routes. */
  app: AppName;
  title: string;
  description: string;
  /** Fastify's body limit for JSON bodies (multipart uploads have their own limit). */
  bodyLimit?: number;
  /** Paths whose errors follow the Open Inference Protocol (`{"error": ...}`) rather than problem+json. */
  oipRoutes?: RegExp;
  /** Routes that take `multipart/form-data` (`"POST /v1/models/:name/versions"`); all others take JSON. */
  multipartRoutes?: string[];
  /** Where the guard finds API keys; absent on an app whose routes are all public. */
  keys?: (app: NestFastifyApplication) => KeyLookup;
  /** Per-key request budgets, for the gateway (a provider, so every protocol it speaks shares them). */
  rateLimit?: (app: NestFastifyApplication) => TokenBuckets;
  /** Lets an app register Fastify plugins (multipart) and its own Fastify routes before Nest's are mounted. */
  configure?: (app: NestFastifyApplication) => Promise<void>;
  /**
   * OpenAPI path items of the routes `configure` registers on Fastify directly (Nest's scanner sees
   * only controllers), merged into the document so /openapi.json still describes every route.
   */
  documented?: OpenAPIObject['paths'];
  /**
   * For an app whose logging module is mounted with `requestLog: 'fastify-hook'` (the gateway): the
   * request log's hook, installed before every other check so a refused request is logged too.
   */
  requestLog?: { unloggedRoutes: readonly string[] };
}

/**
 * The shape every Switchyard HTTP app shares: Fastify, pino logs, problem+json errors, validated DTOs,
 * OpenAPI at /openapi.json with Swagger UI at /docs, request metrics, graceful shutdown.
 */
export async function createHttpApp(module: DynamicModule, options: HttpAppOptions): Promise<NestFastifyApplication> {
  const bodyLimit = options.bodyLimit ?? DEFAULT_BODY_LIMIT;
  const adapter = new FastifyAdapter({
    bodyLimit,
    routerOptions: { maxParamLength: MAX_PARAM_LENGTH },
    http: { maxHeaderSize: MAX_HEADER_BYTES },
    // A request id for every response: echoed from X-Request-Id when it follows the rule, or generated.
    requestIdHeader: false,
    genReqId: requestIdOf,
    // While closing, requests on open sockets are answered (with Connection: close), not refused: see installConnectionDrain.
    return503OnClosing: false,
    // What Node's HTTP parser and Fastify's router refuse before any hook runs (a malformed request,
    // 431, 408, an over-long path segment) is answered in the same shapes as every other error.
    clientErrorHandler: clientErrorHandler(options.oipRoutes),
    // Refused before any hook ran, so the request-id hook has not named the answer yet.
    frameworkErrors: (error: Error, request: FastifyRequest, reply: FastifyReply) => answerError(request, reply.header('x-request-id', request.id), error, options.oipRoutes),
  });
  recordRoutes(adapter.getInstance());
  installRouteUrl(adapter.getInstance());
  installConnectionDrain(adapter.getInstance());
  installJsonBodyParser(adapter.getInstance(), bodyLimit);
  installRequestDecoding(adapter.getInstance());
  // bodyParser: false keeps Nest from adding its own JSON and form-urlencoded parsers.
  const app = await NestFactory.create<NestFastifyApplication>(module, adapter, { bufferLogs: true, abortOnError: false, bodyParser: false });
  app.useLogger(app.get(Logger));
  app.flushLogs();
  app.enableShutdownHooks();
  app.useGlobalFilters(new ProblemDetailsFilter({ oipRoutes: options.oipRoutes }));
  app.useGlobalPipes(createValidationPipe());

  const fastify = app.getHttpAdapter().getInstance();
  if (options.requestLog) installRequestLog(fastify, options.requestLog);
  const metrics = app.get(MetricsRegistry);
  fastify.addHook('onResponse', (request: FastifyRequest, reply: FastifyReply, done: () => void) => {
    metrics.observeRequest(request.method, routeUrlOf(request) ?? 'unmatched', reply.statusCode, reply.elapsedTime / 1000);
    done();
  });
  const authEnabled = app.get(TypedConfig).get('AUTH_ENABLED');
  if (!authEnabled) {
    new NestLogger(options.title).warn('AUTH_ENABLED=false: every route is open to anyone who can reach this port; use it for local experiments only');
  }
  installRequestIdRule(fastify, options.oipRoutes);
  installAccessGuard(fastify, {
    app: options.app,
    enabled: authEnabled,
    keys: options.keys?.(app),
    rateLimit: options.rateLimit?.(app),
    oipRoutes: options.oipRoutes,
  });
  installRequestChecks(fastify, { oipRoutes: options.oipRoutes, multipartRoutes: options.multipartRoutes });
  if (options.configure) await options.configure(app);

  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle(options.title)
      .setDescription(options.description)
      .setVersion('0.1.0')
      .addBearerAuth({ type: 'http', scheme: 'bearer', description: 'an API key, sy_<id>_<secret> (see docs/api.md, "Authentication")' })
      .addSecurityRequirements('bearer')
      .build(),
  );
  for (const [path, item] of Object.entries(options.documented ?? {})) document.paths[path] = { ...document.paths[path], ...item };
  describeAccess(document, options.app);
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'openapi.json', yamlDocumentUrl: 'openapi.yaml' });
  return app;
}

/**
 * Writes the access table into the API document: a public route needs no key (`security: []`), and
 * every other operation names the role it needs (`x-required-role`; a line saying how where the
 * request decides, as for aliases), so a client or a reader of /docs knows what key to send.
 */
function describeAccess(document: OpenAPIObject, app: AppName): void {
  for (const [path, item] of Object.entries(document.paths)) {
    for (const method of ['get', 'put', 'post', 'delete', 'patch'] as const) {
      const operation = item[method];
      const rule = operation && ruleForOpenApiPath(app, method.toUpperCase(), path);
      if (!operation || rule === undefined) continue;
      if (rule === 'public') operation.security = [];
      else Object.assign(operation, { 'x-required-role': typeof rule === 'string' ? rule : rule.summary });
    }
  }
}

export async function listen(app: INestApplication, port: number, host: string, name: string): Promise<string> {
  await app.listen(port, host);
  const url = await app.getUrl();
  new NestLogger(name).log(`${name} listening on ${url}`);
  return url;
}
