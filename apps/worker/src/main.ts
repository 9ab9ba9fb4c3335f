import 'reflect-metadata';
import { TypedConfig } from '@switchyard/config';
import { listen } from '@switchyard/http';
import { createWorkerApp } from './worker.app';

async function main(): Promise<void> {
  const app = await createWorkerApp();
  const config = app.get(TypedConfig);
  await listen(app, config.get('WORKER_PORT'), config.get('HOST'), 'worker');
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
