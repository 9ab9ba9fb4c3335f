import { Logger } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import * as ort from 'onnxruntime-node';
import type { Env } from '@switchyard/config';
import { MetricsRegistry } from '@switchyard/http';
import { buildAffine, buildReshapeThatNeverFits } from '@switchyard/onnx/testing';
import type { LoadableVersionView } from '@switchyard/queues';
import { GatewayMetrics } from '../gateway-metrics';
import { RegistryClient } from '../registry-client/registry-client.service';
import { configOf } from '../../../../test/support/unit';
import { ArtifactCache, ArtifactIntegrityError, ArtifactUnavailableError } from './artifact-cache';
import { InferenceThreads } from './inference-threads';
import type { LoadedVersion } from './loaded-version';
import { VersionLoader } from './version-loader.service';

const API_KEY = `sy_${'a'.repeat(12)}_${'b'.repeat(43)}`;

async function predict(version: LoadedVersion, row: number[]): Promise<number[]> {
  const results = await version.run({ x: new ort.Tensor('float32', Float32Array.from(row), [1, row.length]) });
  return Array.from(results.y.data as Float32Array);
}

const affine = (scale: number) => buildAffine({ scale, bias: 0, features: 2 });

// The registry's artifact route is a real HTTP server on a loopback port; the inference threads run
// inference-thread.ts as `npm run build` compiled it.
describe('VersionLoader', () => {
  let server: Server;
  let registryUrl: string;
  /** The bytes the registry serves, by the last segment of the artifact URL; missing ones answer 503. */
  const artifacts = new Map<string, Uint8Array>();
  const authorizations: Array<string | undefined> = [];
  let cacheDir: string;
  const started: Array<{ threads: InferenceThreads; loaded: LoadedVersion[] }> = [];

  beforeAll(async () => {
    Logger.overrideLogger(false);
    server = createServer((request, response) => {
      authorizations.push(request.headers.authorization);
      const bytes = artifacts.get(request.url?.split('/').pop() ?? '');
      response.writeHead(bytes ? 200 : 503);
      response.end(bytes);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    registryUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  beforeEach(async () => {
    cacheDir = await mkdtemp(path.join(tmpdir(), 'version-loader-'));
    artifacts.clear();
    authorizations.length = 0;
  });

  afterEach(async () => {
    for (const { threads, loaded } of started.splice(0)) {
      for (const version of loaded) version.retire();
      await threads.onApplicationShutdown();
    }
    await rm(cacheDir, { recursive: true, force: true });
  });

  function loaderOf(overrides: Partial<Env> = {}): { load: (view: LoadableVersionView) => Promise<LoadedVersion>; metrics: GatewayMetrics } {
    const config = configOf({
      GATEWAY_CACHE_DIR: cacheDir,
      REGISTRY_URL: registryUrl,
      REGISTRY_API_KEY: API_KEY,
      GATEWAY_INFERENCE_THREADS: 0,
      GATEWAY_OFFLOAD_ABOVE_MS: 0,
      ...overrides,
    });
    const metricsRegistry = new MetricsRegistry();
    const metrics = new GatewayMetrics(metricsRegistry);
    const threads = new InferenceThreads(config, metricsRegistry);
    const loader = new VersionLoader(new ArtifactCache(config, new RegistryClient(config)), metrics, threads);
    const loaded: LoadedVersion[] = [];
    started.push({ threads, loaded });
    return {
      metrics,
      load: async (view) => {
        const version = await loader.load('m', view);
        loaded.push(version);
        return version;
      },
    };
  }

  function published(version: number, bytes: Uint8Array, extra: Partial<LoadableVersionView> = {}): LoadableVersionView {
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    artifacts.set(sha256, bytes);
    return { version, sha256, size_bytes: bytes.length, artifact_url: `/v1/artifacts/${sha256}`, artifact_uri: `s3://models/${sha256}`, signature: null, input_example: null, ...extra };
  }

  it('fetches the bytes with the registry key, and loads and warms a light version to run inline', async () => {
    const { load, metrics } = loaderOf();
    const version = await load(published(1, affine(2), { input_example: { instances: [[1, 1]] } }));

    expect(version).toMatchObject({ model: 'm', version: 1, runner: { offloaded: false } });
    expect(version.signature.inputs.map((input) => input.name)).toEqual(['x']);
    expect(await predict(version, [1, 3])).toEqual([2, 6]);
    expect(authorizations).toEqual([`Bearer ${API_KEY}`]);
    expect(await metrics.offloaded.get()).toMatchObject({ values: [{ labels: { model: 'm', version: '1' }, value: 0 }] });
  });

  it('offloads a version that costs more than the threshold, and keeps a cheaper one, or one it cannot time, inline', async () => {
    const heavy = loaderOf({ GATEWAY_INFERENCE_THREADS: 1, GATEWAY_OFFLOAD_ABOVE_MS: 0 });
    const offloaded = await heavy.load(published(1, affine(2), { input_example: { instances: [[1, 1]] } }));
    // No synthetic input runs on it, so it has no cost to compare.
    const untimed = await heavy.load(published(2, buildReshapeThatNeverFits()));
    const light = loaderOf({ GATEWAY_INFERENCE_THREADS: 1, GATEWAY_OFFLOAD_ABOVE_MS: 60_000 });
    const inline = await light.load(published(3, affine(3), { input_example: { instances: [[1, 1]] } }));

    expect(offloaded.runner.offloaded).toBe(true);
    expect(await predict(offloaded, [1, 3])).toEqual([2, 6]);
    expect(await heavy.metrics.offloaded.get()).toMatchObject({ values: [{ labels: { version: '1' }, value: 1 }, { labels: { version: '2' }, value: 0 }] });
    expect(untimed.runner.offloaded).toBe(false);
    expect(inline.runner.offloaded).toBe(false);
  });

  it("runs loads' CPU work one at a time: the next version's session is created once the one before has moved to its threads", async () => {
    const steps: string[] = [];
    const create = ort.InferenceSession.create.bind(ort.InferenceSession);
    jest.spyOn(ort.InferenceSession, 'create').mockImplementation(((...args: Parameters<typeof create>) => {
      steps.push('session created');
      return create(...args);
    }) as typeof ort.InferenceSession.create);
    const offload = InferenceThreads.prototype.load;
    jest.spyOn(InferenceThreads.prototype, 'load').mockImplementation(async function (this: InferenceThreads, ...args) {
      const runner = await offload.apply(this, args);
      steps.push('offloaded');
      return runner;
    });
    try {
      const { load } = loaderOf({ GATEWAY_INFERENCE_THREADS: 1, GATEWAY_OFFLOAD_ABOVE_MS: 0 });
      const loaded = await Promise.all([load(published(1, affine(2))), load(published(2, affine(3)))]);

      expect(loaded.map((version) => version.runner.offloaded)).toEqual([true, true]);
      // Fetched together; without the queue both sessions were created before either was timed.
      expect(steps).toEqual(['session created', 'offloaded', 'session created', 'offloaded']);
    } finally {
      jest.restoreAllMocks();
    }
  });

  it('tells bytes it could not fetch (worth a retry) from bytes that do not match their sha256', async () => {
    const { load } = loaderOf();
    const view = published(1, affine(2));
    artifacts.delete(view.sha256);
    await expect(load(view)).rejects.toThrow(ArtifactUnavailableError);

    artifacts.set(view.sha256, affine(3));
    await expect(load(view)).rejects.toThrow(ArtifactIntegrityError);
  });

  it('rejects a version whose input example does not run', async () => {
    const { load } = loaderOf();
    await expect(load(published(1, affine(2), { input_example: { instances: [[1, 2, 3]] } }))).rejects.toThrow('input_example');
  });

  it('loads from its disk cache what it fetched before, while the registry cannot serve the bytes', async () => {
    const view = published(1, affine(2));
    await loaderOf().load(view);
    artifacts.delete(view.sha256);

    const version = await loaderOf().load(view);

    expect(await predict(version, [1, 2])).toEqual([2, 4]);
    expect(authorizations).toHaveLength(1);
  });
});
