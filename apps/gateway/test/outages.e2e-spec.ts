import { existsSync, readdirSync } from 'node:fs';
import * as path from 'node:path';
import { Redis } from 'ioredis';
import { buildAffine } from '@switchyard/onnx/testing';
import { deploymentsChannel } from '@switchyard/queues';
import { eventually } from '../../../test/support/artifacts';
import { call } from '../../../test/support/client';
import { createModel, uploadReadyVersion } from '../../../test/support/fixtures';
import { fileStoreEnv, s3StoreEnv } from '../../../test/support/http-app';
import { createIsolatedDatabase, dropIsolatedDatabase, isolatedRedisPrefix } from '../../../test/support/isolation';
import { AppProcess, Cleanup, OwnedRedis, SwitchableProxy } from '../../../test/support/owned-services';
import { testRun, uniqueSuffix } from '../../../test/support/test-env';

/**
 * The gateway keeps serving the last deployment it knew while Redis, Postgres, the registry or S3 is
 * down, and catches up when the dependency returns. Every dependency a test stops is one it started:
 * a private redis-server, registry and gateway processes, TCP proxies in front of Postgres and s3rver.
 */

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Probe {
  status: number;
  version?: number;
  output?: number;
}

/** One prediction of zeros: version v answers y = bias(v), so the output proves which bytes computed it. */
async function probe(gatewayUrl: string, model: string): Promise<Probe> {
  try {
    const answer = await call(`${gatewayUrl}/v1/models/${model}/predict`, {
      method: 'POST',
      json: { instances: [[0, 0, 0, 0]] },
      signal: AbortSignal.timeout(2_000),
    });
    return { status: answer.status, version: answer.body?.version, output: answer.body?.outputs?.y?.[0]?.[0] };
  } catch {
    return { status: 0 };
  }
}

class Versions {
  /** bias of each version: v + a random fraction, so every version's bytes (and sha256) are unique to this run. */
  readonly bias = new Map<number, number>();

  async upload(registryUrl: string, model: string, databaseUrl: string): Promise<number> {
    const next = this.bias.size + 1;
    const bias = next + Math.random();
    const version = await uploadReadyVersion(registryUrl, model, buildAffine({ scale: 1, bias, features: 4 }), databaseUrl);
    expect(version).toBe(next);
    this.bias.set(version, bias);
    return version;
  }

  /** The answer came from this version: status 200, the version number, and that version's output. */
  isFrom(answer: Probe, version: number): boolean {
    return answer.status === 200 && answer.version === version && Math.abs((answer.output ?? NaN) - this.bias.get(version)!) < 1e-5;
  }
}

async function setChampion(registryUrl: string, model: string, version: number) {
  return call(`${registryUrl}/v1/models/${model}/aliases/champion`, { method: 'PUT', json: { version }, signal: AbortSignal.timeout(10_000) });
}

/** Waits (bounded) until the gateway answers from `version`; fails with the last answer otherwise. */
async function servesWithin(gatewayUrl: string, model: string, versions: Versions, version: number, timeoutMs: number): Promise<void> {
  const last = await eventually(() => probe(gatewayUrl, model), (a) => versions.isFrom(a, version), timeoutMs);
  expect(last).toEqual({ status: 200, version, output: expect.closeTo(versions.bias.get(version)!, 5) });
}

/**
 * A sustained stretch of traffic: `count` predictions spread over `spanMs`. Every one must be a 200
 * from `version` (with that version's output); the answers that were not are the failure message.
 */
async function keepsServing(gatewayUrl: string, model: string, versions: Versions, version: number, count = 50, spanMs = 2_000): Promise<void> {
  const answers: Probe[] = [];
  const started = Date.now();
  for (let i = 0; i < count; i++) {
    answers.push(await probe(gatewayUrl, model));
    const due = started + ((i + 1) * spanMs) / count;
    await sleep(Math.max(0, due - Date.now()));
  }
  expect(answers.filter((a) => !versions.isFrom(a, version))).toEqual([]);
  expect(answers).toHaveLength(count);
}

/** Appends the logs of the processes involved to a failure, so a red test says what the apps saw. */
async function withLogs(apps: () => AppProcess[], body: () => Promise<void>): Promise<void> {
  try {
    await body();
  } catch (error) {
    const logs = apps()
      .map((app) => `--- ${app.name} :${app.port}\n${app.output().slice(-4_000)}`)
      .join('\n');
    if (error instanceof Error) error.message += `\n\nprocess logs:\n${logs}`;
    throw error;
  }
}

/** Whether the app has logged `text` (its output arrives through a pipe, so give it a moment). */
async function logged(app: AppProcess, text: string): Promise<boolean> {
  return eventually(async () => app.output().includes(text), (found) => found, 5_000);
}

function cacheDir(): string {
  return path.join(testRun().workDir, `gateway-cache-${uniqueSuffix()}`);
}

interface S3OutageStack {
  databaseUrl: string;
  proxy: SwitchableProxy;
  registry: AppProcess;
  gateway: AppProcess;
  gatewayEnv: Record<string, string>;
  cache: string;
}

/** A registry whose S3 goes through a proxy the test can cut, and a gateway polling it every 300 ms. */
async function startS3OutageStack(cleanup: Cleanup, apps: AppProcess[]): Promise<S3OutageStack> {
  const databaseUrl = await createIsolatedDatabase();
  cleanup.defer(() => dropIsolatedDatabase(databaseUrl));
  const s3 = new URL(testRun().s3Endpoint);
  const proxy = await SwitchableProxy.start(s3.hostname, Number(s3.port));
  cleanup.defer(() => proxy.close());
  const shared = { REDIS_PREFIX: isolatedRedisPrefix() };
  const registry = await AppProcess.registry({ ...shared, ...s3StoreEnv(), S3_ENDPOINT: proxy.url, DATABASE_URL: databaseUrl });
  apps.push(registry);
  cleanup.defer(() => registry.stop());
  const cache = cacheDir();
  const gatewayEnv = { ...shared, REGISTRY_URL: registry.url, GATEWAY_CACHE_DIR: cache, DEPLOYMENT_POLL_MS: '300' };
  const gateway = await AppProcess.gateway(gatewayEnv);
  apps.push(gateway);
  cleanup.defer(() => gateway.stop());
  return { databaseUrl, proxy, registry, gateway, gatewayEnv, cache };
}

/**
 * Each outage test starts, stops and restarts several app processes (a gateway stop drains its
 * sockets first); on a busy 2-core machine that alone can take minutes. The waits inside are bounded.
 */
const OUTAGE_TEST_TIMEOUT_MS = 240_000;

describe('the gateway through dependency outages', () => {
  jest.setTimeout(60_000);

  it('Redis stopped: keeps serving, catches up by polling, and the subscriber reconnects when Redis returns', async () => {
    const cleanup = new Cleanup();
    const apps: AppProcess[] = [];
    await withLogs(
      () => apps,
      async () => {
        try {
          const redis = await OwnedRedis.start();
          cleanup.defer(() => redis.stop());
          const databaseUrl = await createIsolatedDatabase();
          cleanup.defer(() => dropIsolatedDatabase(databaseUrl));
          const prefix = isolatedRedisPrefix();
          const shared = { REDIS_URL: redis.url, REDIS_PREFIX: prefix };

          const registry = await AppProcess.registry({ ...shared, ...fileStoreEnv(), DATABASE_URL: databaseUrl });
          apps.push(registry);
          cleanup.defer(() => registry.stop());
          // `polling` learns of changes every 300 ms as well as from Redis; `listening` polls once an
          // hour, far beyond this test's timeout, so it learns of a change only through Redis (a notice,
          // or the full re-read after its subscriber reconnects): once a minute, a slow run could reach
          // its first poll while Redis is down and find it serving version 2 before Redis returns.
          const started = await Promise.allSettled(
            // `polling` also buffers at most 20 prediction-log events, to show what happens when its
            // buffer fills while Redis is away.
            ['300', '3600000'].map((poll) =>
              AppProcess.gateway({
                ...shared,
                REGISTRY_URL: registry.url,
                GATEWAY_CACHE_DIR: cacheDir(),
                DEPLOYMENT_POLL_MS: poll,
                ...(poll === '300' ? { PREDICTION_LOG_BUFFER_EVENTS: '20' } : {}),
              }),
            ),
          );
          for (const result of started) {
            if (result.status === 'fulfilled') {
              apps.push(result.value);
              cleanup.defer(() => result.value.stop());
            }
          }
          for (const result of started) if (result.status === 'rejected') throw result.reason;
          const [polling, listening] = apps.slice(1);

          const model = await createModel(registry.url, 'redis-outage');
          const versions = new Versions();
          for (let i = 0; i < 3; i++) await versions.upload(registry.url, model, databaseUrl);
          expect((await setChampion(registry.url, model, 1)).status).toBe(200);
          await servesWithin(polling.url, model, versions, 1, 10_000);
          await servesWithin(listening.url, model, versions, 1, 10_000);

          // Redis goes away.
          await redis.stop();
          await keepsServing(polling.url, model, versions, 1);
          await keepsServing(listening.url, model, versions, 1, 10, 200);
          expect([(await call(`${polling.url}/health/ready`)).status, (await call(`${listening.url}/health/ready`)).status]).toEqual([200, 200]);
          // The prediction log neither blocked nor failed those 50 predictions: 20 of their events wait
          // in the buffer (its size), the others were dropped and counted (a full buffer, or a failed
          // flush with no room to put its events back).
          const logMetrics = async () => {
            const text = (await call<string>(`${polling.url}/metrics`)).body;
            const buffered = Number(/^switchyard_prediction_log_buffered (\d+)/m.exec(text)?.[1]);
            const dropped = [...text.matchAll(/^switchyard_prediction_log_dropped_total\{reason="[a-z_]+"\} (\d+)/gm)].reduce((sum, m) => sum + Number(m[1]), 0);
            return { buffered, dropped };
          };
          const whileDown = await logMetrics();
          expect(whileDown.buffered).toBe(20);
          expect(whileDown.dropped).toBeGreaterThanOrEqual(30);

          // A change while Redis is down commits; its notice cannot be published and the registry says so.
          expect((await setChampion(registry.url, model, 2)).status).toBe(200);
          expect(await logged(registry, 'could not publish a deployment change')).toBe(true);
          await servesWithin(polling.url, model, versions, 2, 30_000);
          // Nothing reached the listening gateway: it still serves version 1, and without a failure.
          await keepsServing(listening.url, model, versions, 1, 5, 100);

          // Redis is back on the same port: the listening gateway's subscriber reconnects and re-reads
          // the deployments (the change it missed), and the registry's publisher reconnects.
          await redis.start();
          await servesWithin(listening.url, model, versions, 2, 10_000);
          // ... and the buffered events reach the stream once Redis is back.
          expect((await eventually(logMetrics, (m) => m.buffered === 0)).buffered).toBe(0);
          const watcher = new Redis(redis.url, { lazyConnect: true, maxRetriesPerRequest: 1 });
          cleanup.defer(() => watcher.disconnect());
          await watcher.connect();
          const subscribers = await eventually(
            async () => Number(((await watcher.pubsub('NUMSUB', deploymentsChannel(prefix))) as [string, number])[1]),
            (n) => n >= 2,
            10_000,
          );
          expect(subscribers).toBe(2);
          expect((await eventually(() => call(`${registry.url}/health/ready`), (a) => a.status === 200, 10_000)).status).toBe(200);

          // A further change reaches the listening gateway through pub/sub again: it polls only hourly,
          // so it cannot have come from polling.
          expect((await setChampion(registry.url, model, 3)).status).toBe(200);
          await servesWithin(listening.url, model, versions, 3, 10_000);
          await servesWithin(polling.url, model, versions, 3, 10_000);
          expect({ registry: registry.running, polling: polling.running, listening: listening.running }).toEqual({ registry: true, polling: true, listening: true });
        } finally {
          await cleanup.run();
        }
      },
    );
  }, OUTAGE_TEST_TIMEOUT_MS);

  it('registry stopped: keeps serving, and serves the new champion once the registry is back on its port', async () => {
    const cleanup = new Cleanup();
    const apps: AppProcess[] = [];
    await withLogs(
      () => apps,
      async () => {
        try {
          const databaseUrl = await createIsolatedDatabase();
          cleanup.defer(() => dropIsolatedDatabase(databaseUrl));
          const shared = { REDIS_PREFIX: isolatedRedisPrefix() };
          const registry = await AppProcess.registry({ ...shared, ...fileStoreEnv(), DATABASE_URL: databaseUrl });
          apps.push(registry);
          cleanup.defer(() => registry.stop());
          const gateway = await AppProcess.gateway({ ...shared, REGISTRY_URL: registry.url, GATEWAY_CACHE_DIR: cacheDir(), DEPLOYMENT_POLL_MS: '300' });
          apps.push(gateway);
          cleanup.defer(() => gateway.stop());

          const model = await createModel(registry.url, 'registry-outage');
          const versions = new Versions();
          for (let i = 0; i < 2; i++) await versions.upload(registry.url, model, databaseUrl);
          expect((await setChampion(registry.url, model, 1)).status).toBe(200);
          await servesWithin(gateway.url, model, versions, 1, 10_000);

          // The registry crashes.
          await registry.stop('SIGKILL');
          await expect(fetch(`${registry.url}/health/live`)).rejects.toThrow();
          await keepsServing(gateway.url, model, versions, 1);
          // Its polls failed meanwhile, and it still calls itself ready: it serves from memory.
          expect(await logged(gateway, 'could not read deployments; serving what is loaded')).toBe(true);
          expect((await call(`${gateway.url}/health/ready`)).status).toBe(200);

          // Back on the same port, the registry takes a change and the gateway serves it.
          await registry.start();
          expect((await setChampion(registry.url, model, 2)).status).toBe(200);
          await servesWithin(gateway.url, model, versions, 2, 30_000);
          await keepsServing(gateway.url, model, versions, 2, 10, 200);
          expect(gateway.running).toBe(true);
        } finally {
          await cleanup.run();
        }
      },
    );
  }, OUTAGE_TEST_TIMEOUT_MS);

  it('Postgres unreachable from the registry: the gateway keeps serving; the registry recovers and a change propagates', async () => {
    const cleanup = new Cleanup();
    const apps: AppProcess[] = [];
    await withLogs(
      () => apps,
      async () => {
        try {
          const databaseUrl = await createIsolatedDatabase();
          cleanup.defer(() => dropIsolatedDatabase(databaseUrl));
          // The registry reaches Postgres only through a proxy this test owns; the machine's Postgres stays up.
          const direct = new URL(databaseUrl);
          const proxy = await SwitchableProxy.start(direct.hostname, Number(direct.port || 5432));
          cleanup.defer(() => proxy.close());
          const viaProxy = new URL(databaseUrl);
          viaProxy.hostname = '127.0.0.1';
          viaProxy.port = String(proxy.port);

          const shared = { REDIS_PREFIX: isolatedRedisPrefix() };
          const registry = await AppProcess.registry({ ...shared, ...fileStoreEnv(), DATABASE_URL: viaProxy.toString() });
          apps.push(registry);
          cleanup.defer(() => registry.stop());
          const gateway = await AppProcess.gateway({ ...shared, REGISTRY_URL: registry.url, GATEWAY_CACHE_DIR: cacheDir(), DEPLOYMENT_POLL_MS: '300' });
          apps.push(gateway);
          cleanup.defer(() => gateway.stop());

          const model = await createModel(registry.url, 'postgres-outage');
          const versions = new Versions();
          for (let i = 0; i < 2; i++) await versions.upload(registry.url, model, databaseUrl);
          expect((await setChampion(registry.url, model, 1)).status).toBe(200);
          await servesWithin(gateway.url, model, versions, 1, 10_000);
          expect(proxy.connections).toBeGreaterThan(0);

          // Postgres becomes unreachable: pooled connections are cut, new ones refused.
          await proxy.cut();
          const listWhileDown = await eventually(
            () => call(`${registry.url}/v1/deployments`, { signal: AbortSignal.timeout(10_000) }),
            (a) => a.status >= 500,
            10_000,
          );
          expect(listWhileDown.status).toBe(503);
          expect(listWhileDown.headers.get('retry-after')).toBe('5');
          await keepsServing(gateway.url, model, versions, 1);
          const changeWhileDown = await setChampion(registry.url, model, 2);
          expect(changeWhileDown.status).toBe(503);
          await keepsServing(gateway.url, model, versions, 1, 10, 500);
          expect((await call(`${gateway.url}/health/ready`)).status).toBe(200);
          expect({ registry: registry.running, gateway: gateway.running }).toEqual({ registry: true, gateway: true });

          // Postgres is reachable again: the registry's pool reconnects by itself, and a change propagates.
          await proxy.restore();
          expect((await eventually(() => call(`${registry.url}/v1/deployments`), (a) => a.status === 200, 10_000)).status).toBe(200);
          expect((await setChampion(registry.url, model, 2)).status).toBe(200);
          await servesWithin(gateway.url, model, versions, 2, 30_000);
          expect({ registry: registry.running, gateway: gateway.running }).toEqual({ registry: true, gateway: true });
        } finally {
          await cleanup.run();
        }
      },
    );
  }, OUTAGE_TEST_TIMEOUT_MS);

  it('S3 unreachable: keeps serving; a restarted gateway loads from its disk cache, even with the registry down too', async () => {
    const cleanup = new Cleanup();
    const apps: AppProcess[] = [];
    await withLogs(
      () => apps,
      async () => {
        try {
          const { databaseUrl, proxy, registry, gateway: first, gatewayEnv, cache } = await startS3OutageStack(cleanup, apps);

          const model = await createModel(registry.url, 's3-outage');
          const versions = new Versions();
          for (let i = 0; i < 2; i++) await versions.upload(registry.url, model, databaseUrl);
          expect((await setChampion(registry.url, model, 1)).status).toBe(200);
          await servesWithin(first.url, model, versions, 1, 10_000);
          const { sha256 } = (await call(`${registry.url}/v1/models/${model}/versions/1`)).body;
          expect(existsSync(path.join(cache, `${sha256}.onnx`))).toBe(true);
          expect(readdirSync(cache).filter((file) => /^deployments-[0-9a-f]{16}\.json$/.test(file))).toHaveLength(1);

          // S3 becomes unreachable: the registry can no longer hand out the artifact.
          await proxy.cut();
          const artifactUrl = `${registry.url}/v1/models/${model}/versions/1/artifact`;
          const artifactWhileDown = await call(artifactUrl, { signal: AbortSignal.timeout(30_000) });
          expect(artifactWhileDown.status).toBe(503);
          await keepsServing(first.url, model, versions, 1);
          expect((await call(`${first.url}/health/ready`)).status).toBe(200);

          // A gateway restarted meanwhile loads version 1 from its disk cache (the registry still lists it).
          await first.stop();
          const second = await AppProcess.gateway(gatewayEnv);
          apps.push(second);
          cleanup.defer(() => second.stop());
          await servesWithin(second.url, model, versions, 1, 10_000);
          await keepsServing(second.url, model, versions, 1, 20, 1_000);
          expect((await call(artifactUrl, { signal: AbortSignal.timeout(30_000) })).status).toBeGreaterThanOrEqual(500);

          // A change made now cannot be loaded (S3 is down): the second gateway keeps version 1, and its
          // snapshot keeps what it serves rather than the change it could not load.
          expect((await setChampion(registry.url, model, 2)).status).toBe(200);
          await eventually(
            () => call(`${registry.url}/v1/models/${model}/deployment`),
            (a) => a.body.rollout.some((r: { replica: string; state: string }) => r.state === 'failed'),
            10_000,
          );
          await keepsServing(second.url, model, versions, 1, 10, 500);

          // The registry goes down too: a fresh gateway starts from its deployment snapshot and its cache.
          await registry.stop('SIGKILL');
          await second.stop();
          const third = await AppProcess.gateway(gatewayEnv);
          apps.push(third);
          cleanup.defer(() => third.stop());
          await servesWithin(third.url, model, versions, 1, 10_000);
          await keepsServing(third.url, model, versions, 1, 20, 1_000);
          expect(await logged(third, 'registry unreachable at start; serving the last known deployments')).toBe(true);
          expect((await call(`${third.url}/health/ready`)).status).toBe(200);

          // Both come back: a new champion (bytes never cached) is fetched through the registry from S3.
          await proxy.restore();
          await registry.start();
          expect((await setChampion(registry.url, model, 2)).status).toBe(200);
          await servesWithin(third.url, model, versions, 2, 30_000);
          expect(third.running).toBe(true);
        } finally {
          await cleanup.run();
        }
      },
    );
  }, OUTAGE_TEST_TIMEOUT_MS);

  it('a change that could not load during an S3 outage is retried and served once S3 returns', async () => {
    const cleanup = new Cleanup();
    const apps: AppProcess[] = [];
    await withLogs(
      () => apps,
      async () => {
        try {
          const { databaseUrl, proxy, registry, gateway } = await startS3OutageStack(cleanup, apps);

          const model = await createModel(registry.url, 's3-retry');
          const versions = new Versions();
          for (let i = 0; i < 2; i++) await versions.upload(registry.url, model, databaseUrl);
          expect((await setChampion(registry.url, model, 1)).status).toBe(200);
          await servesWithin(gateway.url, model, versions, 1, 10_000);

          await proxy.cut();
          expect((await setChampion(registry.url, model, 2)).status).toBe(200);
          const failed = await eventually(
            () => call(`${registry.url}/v1/models/${model}/deployment`),
            (a) => a.body.rollout.some((r: { state: string }) => r.state === 'failed'),
            10_000,
          );
          expect(failed.body.rollout[0]).toMatchObject({ state: 'failed', serving_revision: 1, target_revision: 2 });
          await keepsServing(gateway.url, model, versions, 1, 10, 500);

          // No new change is made: the gateway retries the failed fetch by itself. Its backoff doubles up
          // to 30 s (attempts that failed while S3 was cut count, however slow this run was), so the
          // next try may be up to 30 s away: wait longer than that.
          await proxy.restore();
          await servesWithin(gateway.url, model, versions, 2, 45_000);
          const recovered = await eventually(
            () => call(`${registry.url}/v1/models/${model}/deployment`),
            (a) => a.body.rollout[0]?.state === 'serving',
            5_000,
          );
          expect(recovered.body.rollout[0]).toMatchObject({ state: 'serving', serving_revision: 2, champion: 2, reason: null });
        } finally {
          await cleanup.run();
        }
      },
    );
  }, OUTAGE_TEST_TIMEOUT_MS);
});
