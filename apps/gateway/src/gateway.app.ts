import { Logger } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { validateEnv } from '@switchyard/config';
import { createHttpApp, routeErrorHandler, routeUrlOf } from '@switchyard/http';
import { TokenBuckets } from '@switchyard/auth';
import { GatewayModule, INFERENCE_ROUTES } from './gateway.module';
import { KeyCache } from './keys/key-cache.service';
import { V1_PROTOCOL_OPENAPI } from './kserve-v1/kserve-v1.openapi';
import { registerV1ProtocolRoutes } from './kserve-v1/kserve-v1.route';
import { KserveV1Service } from './kserve-v1/kserve-v1.service';
import { registerBinaryInferBodies } from './oip/binary-infer-bodies';
import { registerOipInferRoutes } from './oip/oip-infer.route';
import { OIP_INFER_OPENAPI } from './oip/oip.openapi';
import { OipService } from './oip/oip.service';
import { PREDICT_OPENAPI } from './predict/predict.openapi';
import { registerPredictRoute } from './predict/predict.route';
import { PredictService } from './predict/predict.service';

/**
 * Paths whose errors are `{"error": "..."}`: the Open Inference Protocol's (`/v2/...`) and KServe's v1
 * protocol's (`/v1/models`, `/v1/models/{name}`, `/v1/models/{name}[/versions/{v}]:predict`), as their
 * servers and clients have them. Switchyard's own `/v1/models/{name}/predict` stays problem+json.
 */
export const PROTOCOL_ERROR_ROUTES = /^\/v2(\/|\?|$)|^\/v1\/models(\/[^/?]+(\/versions\/[^/?]+:predict)?)?(\?|$)/;

export async function createGatewayApp(): Promise<NestFastifyApplication> {
  // Fastify takes its body limit when the adapter is built, before Nest's config module loads.
  const env = validateEnv(process.env);
  return createHttpApp(GatewayModule.forRoot(), {
    app: 'gateway',
    keys: (app) => app.get(KeyCache),
    rateLimit: (app) => app.get(TokenBuckets),
    title: 'Switchyard gateway',
    description: 'Predictions from the champion and challenger of each model; Open Inference Protocol v2.',
    bodyLimit: env.GATEWAY_MAX_BODY_BYTES,
    oipRoutes: PROTOCOL_ERROR_ROUTES,
    documented: { ...PREDICT_OPENAPI, ...V1_PROTOCOL_OPENAPI, ...OIP_INFER_OPENAPI },
    requestLog: { unloggedRoutes: INFERENCE_ROUTES },
    configure: async (app) => {
      const fastify = app.getHttpAdapter().getInstance();
      registerBinaryInferBodies(fastify, env.GATEWAY_MAX_BODY_BYTES);
      // Inference routes have no HTTP log line of their own; one that failed still gets one.
      const inference = new Set(INFERENCE_ROUTES);
      const logger = new Logger('http');
      fastify.addHook('onResponse', (request, reply, done) => {
        if (reply.statusCode >= 400 && inference.has(routeUrlOf(request) ?? '')) {
          const line = { reqId: request.id, method: request.method, url: request.url, status: reply.statusCode, responseTime: reply.elapsedTime };
          if (reply.statusCode >= 500) logger.error(line, 'request failed');
          else logger.warn(line, 'request refused');
        }
        done();
      });
      // The inference routes go on Fastify directly: Nest's per-request pipeline was a large share of
      // a light model's cost (bench/README.md). Their errors take the same shapes as every other route's.
      const errors = routeErrorHandler(PROTOCOL_ERROR_ROUTES);
      registerPredictRoute(fastify, app.get(PredictService), errors);
      registerV1ProtocolRoutes(fastify, app.get(KserveV1Service), errors);
      registerOipInferRoutes(fastify, app.get(OipService), errors);
    },
  });
}
