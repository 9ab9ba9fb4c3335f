import * as path from 'node:path';
import { dropDatabase } from '../libs/persistence/src';
import { call } from './support/client';
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
  const database = `switchyard_start_${uniqueSuffix()}`;
  const databaseUrl = (() => {
    const url = new URL(testRun().databaseUrl);
    url.pathname = `/${database}`;
    return url.toString();
  })();
  afterAll(() => dropDatabase(databaseUrl));

  it('creates the database, migrates, runs all three apps, and stops them all on Ctrl-C', async () => {
    const [registryPort, gatewayPort, workerPort] = [await freePort(), await freePort(), await freePort()];
    const started = runNode('scripts/start.js', {
      DATABASE_URL: databaseUrl,
      // Its own Redis prefix: this worker must not take validation jobs queued by other suites.
      REDIS_PREFIX: `${testRun().redisPrefix}-start`,
      ARTIFACT_STORE_URL: `file://${path.join(testRun().workDir, `start-${uniqueSuffix()}`)}`,
      REGISTRY_PORT: String(registryPort),
      GATEWAY_PORT: String(gatewayPort),
      WORKER_PORT: String(workerPort),
      REGISTRY_URL: `http://127.0.0.1:${registryPort}`,
      GATEWAY_CACHE_DIR: path.join(testRun().workDir, `start-cache-${uniqueSuffix()}`),
      LOG_LEVEL: 'warn',
    });
    try {
      for (const port of [registryPort, gatewayPort, workerPort]) await waitForHttp(`http://127.0.0.1:${port}/health/ready`);
      expect(started.output()).toContain(`created database ${database}`);
      expect(started.output()).toContain('applied migrations: CreateModelsAndVersions');
      const created = await call(`http://127.0.0.1:${registryPort}/v1/models`, { method: 'POST', json: { name: 'started' } });
      expect(created.status).toBe(201);
    } finally {
      expect(await stop(started, 'SIGINT')).toBe(0);
    }
    for (const port of [registryPort, gatewayPort, workerPort]) {
      await expect(fetch(`http://127.0.0.1:${port}/health/live`)).rejects.toThrow();
    }
  });
});
