import { type DynamicModule, type INestApplication, Logger as NestLogger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { Logger } from 'nestjs-pino';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ProblemDetailsFilter, createValidationPipe } from '../../errors/src';
import { MetricsRegistry } from './metrics';

export interface HttpAppOptions {
  title: string;
  description: string;
  /** Fastify's body limit for JSON bodies (multipart uploads have their own limit). */
  bodyLimit?: number;
  /** Paths whose errors follow the Open Inference Protocol (`{"error": ...}`) rather than problem+json. */
  oipRoutes?: RegExp;
  /** Lets an app register Fastify plugins (multipart) before routes are mounted. */
  configure?: (app: NestFastifyApplication) => Promise<void>;
}

/**
 * The shape every Switchyard HTTP app shares: Fastify, pino logs, problem+json errors, validated DTOs,
 * OpenAPI at /openapi.json with Swagger UI at /docs, request metrics, graceful shutdown.
 */
export async function createHttpApp(module: DynamicModule, options: HttpAppOptions): Promise<NestFastifyApplication> {
  const adapter = new FastifyAdapter({
    bodyLimit: options.bodyLimit ?? 1024 * 1024,
    // A request id for every response: echoed from X-Request-Id or generated.
    requestIdHeader: 'x-request-id',
    genReqId: () => crypto.randomUUID(),
    return503OnClosing: true,
  });
  const app = await NestFactory.create<NestFastifyApplication>(module, adapter, { bufferLogs: true, abortOnError: false });
  app.useLogger(app.get(Logger));
  app.flushLogs();
  app.enableShutdownHooks();
  app.useGlobalFilters(new ProblemDetailsFilter({ oipRoutes: options.oipRoutes }));
  app.useGlobalPipes(createValidationPipe());

  const fastify = app.getHttpAdapter().getInstance();
  const metrics = app.get(MetricsRegistry);
  fastify.addHook('onResponse', (request: FastifyRequest, reply: FastifyReply, done: () => void) => {
    metrics.httpDuration.observe(
      { method: request.method, route: request.routeOptions.url ?? 'unmatched', status: String(reply.statusCode) },
      reply.elapsedTime / 1000,
    );
    done();
  });
  fastify.addHook('onSend', (request: FastifyRequest, reply: FastifyReply, payload: unknown, done: (e: null, p: unknown) => void) => {
    reply.header('X-Request-Id', request.id);
    done(null, payload);
  });
  if (options.configure) await options.configure(app);

  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder().setTitle(options.title).setDescription(options.description).setVersion('0.1.0').build(),
  );
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'openapi.json', yamlDocumentUrl: 'openapi.yaml' });
  return app;
}

export async function listen(app: INestApplication, port: number, host: string, name: string): Promise<string> {
  await app.listen(port, host);
  const url = await app.getUrl();
  new NestLogger(name).log(`${name} listening on ${url}`);
  return url;
}
