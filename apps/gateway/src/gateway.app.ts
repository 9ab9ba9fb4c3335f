import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { validateEnv } from '../../../libs/config/src';
import { createHttpApp } from '../../../libs/http/src';
import { GatewayModule } from './gateway.module';

export async function createGatewayApp(): Promise<NestFastifyApplication> {
  return createHttpApp(GatewayModule.forRoot(), {
    title: 'Switchyard gateway',
    description: 'Predictions from the champion and challenger of each model; Open Inference Protocol v2.',
    // Fastify takes its body limit when the adapter is built, before Nest's config module loads.
    bodyLimit: validateEnv(process.env).GATEWAY_MAX_BODY_BYTES,
    oipRoutes: /^\/v2(\/|\?|$)/,
    // Predictions are JSON only: without Fastify's default text/plain parser, anything else is a 415.
    configure: async (app) => {
      app.getHttpAdapter().getInstance().removeContentTypeParser('text/plain');
    },
  });
}
