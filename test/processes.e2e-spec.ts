import * as path from 'node:path';
import { credentials, loadPackageDefinition } from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { dropDatabase } from '@switchyard/persistence';
import { call, uploadForm } from './support/client';
import { buildAffine } from '@switchyard/onnx/testing';
import { eventually } from './support/artifacts';
import { freePort, runNode, stop, waitForHttp } from './support/processes';
import { testRun, uniqueSuffix } from './support/test-env';

describe('configuration at boot', () => {
  it.each([
    ['apps/registry/src/main.js', 'REGISTRY_PORT', 'not-a-port'],
    ['apps/gateway/src/main.js', 'REGISTRY_URL', 'ftp://registry'],
    ['apps/worker/src/main.js', 'REDIS_URL', 'localhost:6379'],
    ['apps/registry/src/main.js', 'ARTIFACT_STORE_URL', 'gs://bucket'],
  ])('%s stops with a message naming %s', async (entry, variable, value) => {
    const app = runNode(entry, { [variable]: value });
    expect(await app.exited).not.toBe(0);
    expect(app.output()).toContain(`${variable}: `);
    expect(app.output()).toContain(JSON.stringify(value));
  });
});

describe('npm start (scripts/start.js)', () => {
  // Migrations, three apps and two gateway workers booting on a shared 2-core machine take their time.
  jest.setTimeout(300_000);
  const database = `switchyard_start_${uniqueSuffix()}`;
  const databaseUrl = (() => {
    const url = new URL(testRun().databaseUrl);
    url.pathname = `/${database}`;
    return url.toString();
  })();
  afterAll(() => dropDatabase(databaseUrl));

  it('creates the database, migrates, runs registry, worker and a gateway of two workers that agree on every assignment, and stops them all on Ctrl-C', async () => {
    const [registryPort, gatewayPort, workerPort, grpcPort] = [await freePort(), await freePort(), await freePort(), await freePort()];
    const gateway = `http://127.0.0.1:${gatewayPort}`;
    const registry = `http://127.0.0.1:${registryPort}`;
    const started = runNode('scripts/start.js', {
      DATABASE_URL: databaseUrl,
      // Its own Redis prefix: this worker must not take validation jobs queued by other suites.
      REDIS_PREFIX: `${testRun().redisPrefix}-start`,
      ARTIFACT_STORE_URL: `file://${path.join(testRun().workDir, `start-${uniqueSuffix()}`)}`,
      REGISTRY_PORT: String(registryPort),
      GATEWAY_PORT: String(gatewayPort),
      GATEWAY_WORKERS: '2',
      GATEWAY_REPLICA_ID: 'started',
      GATEWAY_GRPC_PORT: String(grpcPort),
      WORKER_PORT: String(workerPort),
      REGISTRY_URL: `http://127.0.0.1:${registryPort}`,
      GATEWAY_CACHE_DIR: path.join(testRun().workDir, `start-cache-${uniqueSuffix()}`),
      LOG_LEVEL: 'warn',
    });
    try {
      for (const port of [registryPort, gatewayPort, workerPort]) await waitForHttp(`http://127.0.0.1:${port}/health/ready`, 120_000);
      expect(await serverLive(`127.0.0.1:${grpcPort}`)).toEqual({ live: true });
      expect(started.output()).toContain(`created database ${database}`);
      expect(started.output()).toContain('applied migrations: CreateModelsAndVersions');
      // The gateways started once the registry listened: their first read of deployments did not fail.
      expect(started.output()).not.toContain('could not read deployments');

      // The whole path through real processes: upload, validation by the worker, a 50/50 split.
      expect((await call(`${registry}/v1/models`, { method: 'POST', json: { name: 'started' } })).status).toBe(201);
      for (const bias of [1, 2]) {
        const uploaded = await call(`${registry}/v1/models/started/versions`, { method: 'POST', body: uploadForm(buildAffine({ scale: 1, bias, features: 4 })) });
        expect(uploaded.status).toBe(201);
      }
      for (const version of [1, 2]) {
        const validated = await eventually(() => call(`${registry}/v1/models/started/versions/${version}`), (a) => a.body.status !== 'pending', 60_000);
        expect(validated.body).toMatchObject({ status: 'ready', signature: { inputs: [{ name: 'x', datatype: 'FP32', shape: [-1, 4] }] } });
      }
      await call(`${registry}/v1/models/started/aliases/champion`, { method: 'PUT', json: { version: 1 } });
      await call(`${registry}/v1/models/started/aliases/challenger`, { method: 'PUT', json: { version: 2 } });
      const traffic = await call(`${registry}/v1/models/started/traffic`, { method: 'PUT', json: { challenger_percent: 50 }, headers: { 'if-match': '"2"' } });
      expect(traffic.status).toBe(200);
      const rollout = await eventually(
        () => call(`${registry}/v1/models/started/deployment`),
        (a) => a.body.rollout.filter((r: { serving_revision: number }) => r.serving_revision === 3).length === 2,
        30_000,
      );
      expect(rollout.body.rollout.map((r: { replica: string }) => r.replica).sort()).toEqual(['started-w1', 'started-w2']);

      const variants = await Promise.all(
        Array.from({ length: 100 }, async (_, i) => {
          // Two connections of their own: the port hands them to the workers in turn.
          const answers = await Promise.all(
            [1, 2].map(() => call(`${gateway}/v1/models/started/predict`, { method: 'POST', json: { instances: [[0, 0, 0, 0]] }, headers: { 'x-routing-key': `caller-${i}`, connection: 'close' } })),
          );
          expect(answers.map((a) => a.status)).toEqual([200, 200]);
          expect(answers[0].body.variant).toBe(answers[1].body.variant);
          return answers[0].body.variant;
        }),
      );
      expect(new Set(variants)).toEqual(new Set(['champion', 'challenger']));
    } finally {
      expect(await stop(started, 'SIGINT')).toBe(0);
    }
    for (const port of [registryPort, gatewayPort, workerPort]) {
      await expect(fetch(`http://127.0.0.1:${port}/health/live`)).rejects.toThrow();
    }
  });
});

/** gRPC ServerLive, with a stub loaded from the committed .proto. */
async function serverLive(address: string): Promise<unknown> {
  const definition = loadSync(path.join(__dirname, '..', 'apps', 'gateway', 'proto', 'open_inference_grpc.proto'), { keepCase: true });
  const client = new ((loadPackageDefinition(definition) as any).inference.GRPCInferenceService)(address, credentials.createInsecure());
  try {
    return await new Promise((resolve, reject) => client.ServerLive({}, (error: Error | null, response: unknown) => (error ? reject(error) : resolve(response))));
  } finally {
    client.close();
  }
}
