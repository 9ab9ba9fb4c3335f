import 'reflect-metadata';
import { TypedConfig } from '@switchyard/config';
import { listen } from '@switchyard/http';
import { createRegistryApp } from './registry.app';

async function main(): Promise<void> {
  const app = await createRegistryApp();
  const config = app.get(TypedConfig);
  await listen(app, config.get('REGISTRY_PORT'), config.get('HOST'), 'registry');
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
