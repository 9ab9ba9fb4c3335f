import 'reflect-metadata';
import cluster from 'node:cluster';
import { TypedConfig, validateEnv } from '@switchyard/config';
import { listen } from '@switchyard/http';
import { runGatewayPrimary } from './cluster/gateway-primary';
import { followPrimary } from './cluster/gateway-worker';
import { createGatewayApp } from './gateway.app';

async function main(): Promise<void> {
  const env = validateEnv(process.env);
  // Several workers behind one port: this process becomes their primary (a worker serves, below).
  if (env.GATEWAY_WORKERS > 1 && cluster.isPrimary) return runGatewayPrimary(env);
  const app = await createGatewayApp();
  const config = app.get(TypedConfig);
  await listen(app, config.get('GATEWAY_PORT'), config.get('HOST'), 'gateway');
  if (cluster.isWorker) followPrimary(app.getHttpAdapter().getInstance());
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
