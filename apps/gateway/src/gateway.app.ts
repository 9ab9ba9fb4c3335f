import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createHttpApp } from '../../../libs/http/src';
import { GatewayModule } from './gateway.module';

export async function createGatewayApp(): Promise<NestFastifyApplication> {
  return createHttpApp(GatewayModule.forRoot(), {
    title: 'Switchyard gateway',
    description: 'Predictions from the champion and challenger of each model; Open Inference Protocol v2.',
    bodyLimit: 8 * 1024 * 1024,
  });
}
