import { call, expectProblem } from './support/client';
import * as path from 'node:path';
import { testRun, uniqueSuffix } from './support/test-env';
import { fileStoreEnv, type RunningApp, startGateway, startRegistry, startWorker } from './support/http-app';

describe.each([
  ['registry', () => startRegistry(fileStoreEnv()), ['postgres', 'redis', 'artifact_store']],
  // No registry answers here, so the gateway has no deployments yet: alive, not ready (503).
  ['gateway', () => startGateway({ REGISTRY_URL: 'http://127.0.0.1:9', GATEWAY_CACHE_DIR: path.join(testRun().workDir, `cache-${uniqueSuffix()}`) }), ['models']],
  // Its own Redis prefix: this worker must not take validation jobs queued by other suites.
  ['worker', () => startWorker({ ...fileStoreEnv(), REDIS_PREFIX: `${testRun().redisPrefix}-platform` }), ['postgres', 'redis', 'artifact_store']],
])('%s platform routes', (name, start, dependencies) => {
  let app: RunningApp;
  beforeAll(async () => {
    app = await start();
  });
  afterAll(() => app.close());

  it('reports liveness and readiness with each dependency it checks', async () => {
    expect((await call(`${app.url}/health/live`)).body).toMatchObject({ status: 'ok' });
    const ready = await call(`${app.url}/health/ready`);
    if (name === 'gateway') {
      expectProblem(ready, 503);
      expect(ready.headers.get('retry-after')).toBe('5');
      expect(ready.body.health.details.models).toMatchObject({ status: 'down', synced: false });
    } else {
      expect(ready.status).toBe(200);
      expect(Object.keys(ready.body.details).sort()).toEqual([...dependencies].sort());
    }
  });

  it('serves Prometheus metrics, including the request histogram', async () => {
    await call(`${app.url}/health/live`);
    const metrics = await call<string>(`${app.url}/metrics`);
    expect(metrics.headers.get('content-type')).toContain('text/plain');
    expect(metrics.body).toContain('process_cpu_user_seconds_total');
    expect(metrics.body).toMatch(/http_request_duration_seconds_count\{method="GET",route="\/health\/live",status="200"\} \d+/);
  });

  it('serves OpenAPI at /openapi.json and Swagger UI at /docs', async () => {
    const spec = await call(`${app.url}/openapi.json`);
    expect(spec.body.openapi).toMatch(/^3\./);
    expect(Object.keys(spec.body.paths)).toContain('/health/ready');
    const ui = await call<string>(`${app.url}/docs`);
    expect(ui.status).toBe(200);
    expect(ui.body).toContain('swagger');
  });

  it('answers an unknown route with problem+json 404 and echoes X-Request-Id', async () => {
    const answer = await call(`${app.url}/v1/nothing-here`, { headers: { 'x-request-id': `req-${name}-1` } });
    expectProblem(answer, 404);
    expect(answer.headers.get('x-request-id')).toBe(`req-${name}-1`);
  });
});

describe('registry OpenAPI', () => {
  let registry: RunningApp;
  beforeAll(async () => {
    registry = await startRegistry(fileStoreEnv());
  });
  afterAll(() => registry.close());

  it('documents every public registry route of the contract', async () => {
    const paths = (await call(`${registry.url}/openapi.json`)).body.paths;
    expect(Object.keys(paths)).toEqual(
      expect.arrayContaining([
        '/v1/models',
        '/v1/models/{name}',
        '/v1/models/{name}/versions',
        '/v1/models/{name}/versions/{version}',
        '/v1/models/{name}/versions/{version}/artifact',
      ]),
    );
    expect(Object.keys(paths['/v1/models/{name}/versions'].post.requestBody.content)).toEqual(['multipart/form-data']);
  });

  it('says which routes need no key and which role every other one needs', async () => {
    const spec = (await call(`${registry.url}/openapi.json`)).body;
    expect(spec.security).toEqual([{ bearer: [] }]);
    expect(spec.paths['/health/ready'].get.security).toEqual([]);
    expect(spec.paths['/health/live'].get.security).toEqual([]);
    expect(spec.paths['/v1/models'].post).toMatchObject({ 'x-required-role': 'publisher' });
    expect(spec.paths['/v1/models/{name}/versions/{version}'].get.security).toBeUndefined();
    expect(spec.paths['/v1/models/{name}/traffic'].put['x-required-role']).toBe('operator');
    expect(spec.paths['/v1/keys'].get['x-required-role']).toBe('admin');
    expect(spec.paths['/v1/models/{name}/aliases/{alias}'].put['x-required-role']).toBe('operator for champion, challenger and shadow, publisher for other aliases');
    for (const [path, item] of Object.entries<Record<string, any>>(spec.paths)) {
      for (const [method, operation] of Object.entries<any>(item)) {
        const described = operation.security?.length === 0 || typeof operation['x-required-role'] === 'string';
        expect({ route: `${method} ${path}`, described }).toEqual({ route: `${method} ${path}`, described: true });
      }
    }
  });
});
