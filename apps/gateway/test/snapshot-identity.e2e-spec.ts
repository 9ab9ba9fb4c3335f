import * as path from 'node:path';
import { buildAffine } from '@switchyard/onnx/testing';
import { eventually } from '../../../test/support/artifacts';
import { call } from '../../../test/support/client';
import { createModel, uploadReadyVersion } from '../../../test/support/fixtures';
import { fileStoreEnv } from '../../../test/support/http-app';
import { createIsolatedDatabase, dropIsolatedDatabase, isolatedRedisPrefix } from '../../../test/support/isolation';
import { freePort } from '../../../test/support/processes';
import { AppProcess, Cleanup } from '../../../test/support/owned-services';
import { testRun, uniqueSuffix } from '../../../test/support/test-env';

/** Two systems run from one checkout share the gateway's default cache folder; neither may serve the other's deployments. */
describe('the gateway deployment snapshot and the registry it came from', () => {
  jest.setTimeout(300_000);

  it("never serves another registry's snapshot: not another setup's, nor another instance's on the same URL", async () => {
    const cleanup = new Cleanup();
    const apps: AppProcess[] = [];
    try {
      const cache = path.join(testRun().workDir, `gateway-cache-${uniqueSuffix()}`);
      const setup = async () => {
        const databaseUrl = await createIsolatedDatabase();
        cleanup.defer(() => dropIsolatedDatabase(databaseUrl));
        return { databaseUrl, env: { DATABASE_URL: databaseUrl, REDIS_PREFIX: isolatedRedisPrefix(), ...fileStoreEnv() } };
      };
      const start = async (app: Promise<AppProcess>) => {
        const started = await app;
        apps.push(started);
        cleanup.defer(() => started.stop());
        return started;
      };
      const deploy = async (registryUrl: string, databaseUrl: string, prefix: string) => {
        const model = await createModel(registryUrl, prefix);
        await uploadReadyVersion(registryUrl, model, buildAffine({ scale: 1, bias: 1, features: 1 }), databaseUrl);
        expect((await call(`${registryUrl}/v1/models/${model}/aliases/champion`, { method: 'PUT', json: { version: 1 } })).status).toBe(200);
        return model;
      };
      const predict = (gatewayUrl: string, model: string) => call(`${gatewayUrl}/v1/models/${model}/predict`, { method: 'POST', json: { instances: [[1]] } });
      const serves = async (gatewayUrl: string, model: string) => (await eventually(() => predict(gatewayUrl, model), (a) => a.status === 200, 30_000)).status;

      // The second system ran first, with the shared cache: its snapshot is on disk.
      const second = await setup();
      const secondRegistry = await start(AppProcess.registry(second.env));
      const secondModel = await deploy(secondRegistry.url, second.databaseUrl, 'second');
      const secondGateway = await start(AppProcess.gateway({ ...second.env, REGISTRY_URL: secondRegistry.url, GATEWAY_CACHE_DIR: cache, DEPLOYMENT_POLL_MS: '300' }));
      expect(await serves(secondGateway.url, secondModel)).toBe(200);
      await secondGateway.stop();

      // The first system's gateway starts before its registry listens: nothing of the second is served.
      const first = await setup();
      const firstPort = await freePort();
      const firstGatewayEnv = { ...first.env, REGISTRY_URL: `http://127.0.0.1:${firstPort}`, GATEWAY_CACHE_DIR: cache, DEPLOYMENT_POLL_MS: '300' };
      const firstGateway = await start(AppProcess.gateway(firstGatewayEnv));
      // (A 503 is a model still loading: wait for the gateway to settle on an answer.)
      expect((await eventually(() => predict(firstGateway.url, secondModel), (a) => a.status !== 503, 30_000)).status).toBe(404);

      // Its registry comes up: its own deployments are served, still nothing of the second's.
      const firstRegistry = await start(AppProcess.registry(first.env, firstPort));
      const firstModel = await deploy(firstRegistry.url, first.databaseUrl, 'first');
      expect(await serves(firstGateway.url, firstModel)).toBe(200);
      expect((await predict(firstGateway.url, secondModel)).status).toBe(404);
      const firstInstance = (await call(`${firstRegistry.url}/v1/deployments`)).body.registry_instance;
      const secondInstance = (await call(`${secondRegistry.url}/v1/deployments`)).body.registry_instance;
      expect(firstInstance).toMatch(/^[0-9a-f-]{36}$/);
      expect(secondInstance).toMatch(/^[0-9a-f-]{36}$/);
      expect(firstInstance).not.toBe(secondInstance);

      // Another registry (the second's database) answers on the first's URL while the gateway restarts
      // from its snapshot: once it answers, the snapshot's deployments are dropped for its own.
      await firstGateway.stop();
      await firstRegistry.stop();
      const restarted = await start(AppProcess.gateway(firstGatewayEnv, firstGateway.port));
      expect(await serves(restarted.url, firstModel)).toBe(200);
      await start(AppProcess.registry({ ...second.env, REDIS_PREFIX: first.env.REDIS_PREFIX }, firstPort));
      expect(await serves(restarted.url, secondModel)).toBe(200);
      expect((await eventually(() => predict(restarted.url, firstModel), (a) => a.status === 404, 30_000)).status).toBe(404);
    } catch (error) {
      if (error instanceof Error) error.message += `\n\nprocess logs:\n${apps.map((app) => `--- ${app.name} :${app.port}\n${app.output().slice(-3_000)}`).join('\n')}`;
      throw error;
    } finally {
      await cleanup.run();
    }
  });
});
