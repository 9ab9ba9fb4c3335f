import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import * as path from 'node:path';
import { createGatewayApp } from '../../apps/gateway/src/gateway.app';
import { createRegistryApp } from '../../apps/registry/src/registry.app';
import { createWorkerApp } from '../../apps/worker/src/worker.app';
import { TEST_BUCKET, testRun, uniqueSuffix } from './test-env';

export interface RunningApp {
  app: NestFastifyApplication;
  url: string;
  close(): Promise<void>;
}

/**
 * Builds an app with its own environment: configuration is read while the app is created, so the
 * overrides apply to this app only.
 */
export async function startApp(
  loader: () => Promise<NestFastifyApplication>,
  env: Record<string, string> = {},
): Promise<RunningApp> {
  const saved = { ...process.env };
  Object.assign(process.env, env);
  let app: NestFastifyApplication;
  try {
    app = await loader();
    await app.listen(0, '127.0.0.1');
  } finally {
    process.env = saved;
  }
  const address = app.getHttpServer().address() as { port: number };
  return { app, url: `http://127.0.0.1:${address.port}`, close: () => app.close() };
}

export function startRegistry(env: Record<string, string> = {}): Promise<RunningApp> {
  return startApp(createRegistryApp, env);
}

export function startGateway(env: Record<string, string> = {}): Promise<RunningApp> {
  return startApp(createGatewayApp, env);
}

export function startWorker(env: Record<string, string> = {}): Promise<RunningApp> {
  return startApp(createWorkerApp, env);
}

/** Environment for each artifact store, isolated per test file. */
export function fileStoreEnv(): Record<string, string> {
  return { ARTIFACT_STORE_URL: `file://${path.join(testRun().workDir, `artifacts-${uniqueSuffix()}`)}` };
}

export function s3StoreEnv(): Record<string, string> {
  return { ARTIFACT_STORE_URL: `s3://${TEST_BUCKET}/run-${uniqueSuffix()}` };
}
