import * as path from 'node:path';
import { fileStoreEnv, type RunningApp, startGateway, startRegistry } from './http-app';
import { createIsolatedDatabase, dropIsolatedDatabase, isolatedRedisPrefix } from './isolation';
import { testRun, uniqueSuffix } from './test-env';

export interface ServingStack {
  registry: RunningApp;
  gateway: RunningApp;
  databaseUrl: string;
  redisPrefix: string;
  /** The registry's file store, for tests that tamper with stored bytes. */
  storeUrl: string;
  close(): Promise<void>;
}

/**
 * A registry and a gateway with a database, Redis prefix, store and gateway cache of their own: a
 * gateway loads every deployment it can see, so it must not see other suites' models.
 */
export async function startServingStack(gatewayEnv: Record<string, string> = {}): Promise<ServingStack> {
  const databaseUrl = await createIsolatedDatabase();
  const shared = { DATABASE_URL: databaseUrl, REDIS_PREFIX: isolatedRedisPrefix() };
  const store = fileStoreEnv();
  const registry = await startRegistry({ ...store, ...shared });
  const gateway = await startGateway({
    ...shared,
    REGISTRY_URL: registry.url,
    GATEWAY_CACHE_DIR: path.join(testRun().workDir, `gateway-cache-${uniqueSuffix()}`),
    ...gatewayEnv,
  });
  return {
    registry,
    gateway,
    databaseUrl,
    redisPrefix: shared.REDIS_PREFIX,
    storeUrl: store.ARTIFACT_STORE_URL,
    close: async () => {
      await gateway.close();
      await registry.close();
      await dropIsolatedDatabase(databaseUrl);
    },
  };
}
