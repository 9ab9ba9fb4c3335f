import 'reflect-metadata';
import { TypedConfig } from '@switchyard/config';
import { listen } from '@switchyard/http';
import { createGatewayApp } from './gateway.app';

async function main(): Promise<void> {
  const app = await createGatewayApp();
  const config = app.get(TypedConfig);
  await listen(app, config.get('GATEWAY_PORT'), config.get('HOST'), 'gateway');
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
