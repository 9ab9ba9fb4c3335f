import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { validateEnv } from '../../../libs/config/src';
import { createHttpApp } from '../../../libs/http/src';
import { TokenBuckets } from '../../../libs/auth/src';
import { GatewayModule } from './gateway.module';
import { KeyCache } from './keys/key-cache.service';

export async function createGatewayApp(): Promise<NestFastifyApplication> {
  // Fastify takes its body limit when the adapter is built, before Nest's config module loads.
  const env = validateEnv(process.env);
  return createHttpApp(GatewayModule.forRoot(), {
    app: 'gateway',
    keys: (app) => app.get(KeyCache),
    rateLimit: new TokenBuckets(env.GATEWAY_RATE_LIMIT_PER_SECOND, env.GATEWAY_RATE_LIMIT_BURST),
    title: 'Switchyard gateway',
    description: 'Predictions from the champion and challenger of each model; Open Inference Protocol v2.',
    bodyLimit: env.GATEWAY_MAX_BODY_BYTES,
    oipRoutes: /^\/v2(\/|\?|$)/,
    // Predictions are JSON only: without Fastify's default text/plain parser, anything else is a 415.
    configure: async (app) => {
      app.getHttpAdapter().getInstance().removeContentTypeParser('text/plain');
    },
  });
}
