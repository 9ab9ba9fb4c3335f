import { Logger } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import * as ort from 'onnxruntime-node';
import { DomainError } from '@switchyard/errors';
import { MetricsRegistry } from '@switchyard/http';
import { buildAffine, buildModelWithCustomDomain } from '@switchyard/onnx/testing';
import type { LoadableVersionView } from '@switchyard/queues';
import type { TypedConfig } from '@switchyard/config';
import { GatewayMetrics } from '../gateway-metrics';
import { RegistryClient } from '../registry-client/registry-client.service';
import { ArtifactCache } from './artifact-cache';
import { InferenceThreads } from './inference-threads';
import type { LoadedVersion } from './loaded-version';
import { ModelSessions } from './model-sessions.service';
import { VersionLoader } from './version-loader.service';
import { configOf, deploymentOf } from '../../../../test/support/unit';

const REGISTRY_URL = 'http://registry.invalid';

/**
 * The registry's artifact route, the one boundary ModelSessions crosses: answers the bytes it was given
 * by sha256, a 503 for those marked unavailable, and can hold answers until a test releases them.
 */
class FakeArtifactRoute {
  private readonly artifacts = new Map<string, Uint8Array>();
  readonly unavailable = new Set<string>();
  fetches = 0;
  private held: Promise<void> | null = null;
  private releaseHeld: () => void = () => undefined;

  constructor() {
    jest.spyOn(globalThis, 'fetch').mockImplementation(async (input) => {
      this.fetches += 1;
      await this.held;
      const sha256 = String(input).split('/').pop() ?? '';
      const bytes = this.artifacts.get(sha256);
      if (!bytes || this.unavailable.has(sha256)) return new Response('unavailable', { status: 503 });
      return new Response(bytes);
    });
  }

  version(version: number, bytes: Uint8Array, extra: Partial<LoadableVersionView> = {}): LoadableVersionView {
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    this.artifacts.set(sha256, bytes);
    return { version, sha256, size_bytes: bytes.length, artifact_url: `/v1/artifacts/${sha256}`, artifact_uri: `s3://models/${sha256}`, signature: null, input_example: null, ...extra };
  }

  hold(): void {
    this.held = new Promise((resolve) => (this.releaseHeld = resolve));
  }

  release(): void {
    this.held = null;
    this.releaseHeld();
  }
}

async function predict(version: LoadedVersion, row: number[]): Promise<number[]> {
  const results = await version.run({ x: new ort.Tensor('float32', Float32Array.from(row), [1, row.length]) });
  return Array.from(results.y.data as Float32Array);
}

const affine = (scale: number) => buildAffine({ scale, bias: 0, features: 2 });

/** ModelSessions with its real loader, as the deployments module wires them. */
function sessionsOf(config: TypedConfig, metrics: GatewayMetrics, metricsRegistry: MetricsRegistry): ModelSessions {
  const cache = new ArtifactCache(config, new RegistryClient(config));
  return new ModelSessions(metrics, new VersionLoader(cache, metrics, new InferenceThreads(config, metricsRegistry)));
}

describe('ModelSessions', () => {
  let cacheDir: string;
  let registry: FakeArtifactRoute;
  let metrics: GatewayMetrics;
  let metricsRegistry: MetricsRegistry;
  let sessions: ModelSessions;

  // Loads and failures are logged by design; the assertions read statuses, not the log.
  beforeAll(() => Logger.overrideLogger(false));

  beforeEach(async () => {
    cacheDir = await mkdtemp(path.join(tmpdir(), 'model-sessions-'));
    registry = new FakeArtifactRoute();
    const config = configOf({ GATEWAY_CACHE_DIR: cacheDir, REGISTRY_URL, REGISTRY_API_KEY: undefined, GATEWAY_INFERENCE_THREADS: 0, GATEWAY_OFFLOAD_ABOVE_MS: 0 });
    metricsRegistry = new MetricsRegistry();
    metrics = new GatewayMetrics(metricsRegistry);
    sessions = sessionsOf(config, metrics, metricsRegistry);
  });

  afterEach(async () => {
    sessions.onApplicationShutdown();
    jest.restoreAllMocks();
    await rm(cacheDir, { recursive: true, force: true });
  });

  it('loads, warms and serves a deployment, and reports it served', async () => {
    const view = registry.version(1, affine(2), { input_example: { instances: [[1, 1]] } });
    await sessions.apply(deploymentOf('m', 1, view));

    const serving = sessions.assertServing('m');
    expect(serving).toMatchObject({ model: 'm', revision: 1, salt: 'salt', challenger: null, task: 'regression' });
    expect(serving.champion).toMatchObject({ version: 1, sha256: view.sha256 });
    expect(await predict(serving.champion, [1, 3])).toEqual([2, 6]);
    expect(sessions.status('m')).toEqual({ targetRevision: 1, servingRevision: 1, state: 'serving', reason: null });
    expect(sessions.models()).toEqual(['m']);
    expect(sessions.servedDeployments().map((d) => d.revision)).toEqual([1]);
  });

  it('keeps a version whose input example does not run out of traffic', async () => {
    const served = registry.version(1, affine(2));
    await sessions.apply(deploymentOf('m', 1, served));
    // Three features for a model of two: warm-up fails, as validation would have.
    await sessions.apply(deploymentOf('m', 2, registry.version(2, affine(3), { input_example: { instances: [[1, 2, 3]] } })));

    expect(sessions.assertServing('m').revision).toBe(1);
    expect(sessions.status('m')).toMatchObject({ state: 'failed', targetRevision: 2, servingRevision: 1, reason: expect.stringContaining('input_example') });
  });

  it('swaps atomically: requests in flight finish on the old version, which is released after the last lease returns', async () => {
    await sessions.apply(deploymentOf('m', 1, registry.version(1, affine(2))));
    const old = sessions.assertServing('m').champion;
    const inFlight = old.lease();

    await sessions.apply(deploymentOf('m', 2, registry.version(2, affine(10))));

    const next = sessions.assertServing('m').champion;
    expect(next.version).toBe(2);
    expect(await predict(next, [1, 1])).toEqual([10, 10]);
    expect(old.isReleased).toBe(false);
    expect(await predict(old, [1, 1])).toEqual([2, 2]);
    inFlight();
    expect(old.isReleased).toBe(true);
    expect(() => old.lease()).toThrow('released');
  });

  it('reuses a version whose bytes are unchanged instead of loading it again', async () => {
    const champion = registry.version(1, affine(2));
    await sessions.apply(deploymentOf('m', 1, champion));
    const loaded = sessions.assertServing('m').champion;
    const fetched = registry.fetches;

    const challenger = registry.version(2, affine(5));
    await sessions.apply(deploymentOf('m', 2, champion, { challenger, challenger_percent: 12.5 }));

    const serving = sessions.assertServing('m');
    expect(serving.champion).toBe(loaded);
    expect(serving.challenger?.version).toBe(2);
    expect(serving.challengerBp).toBe(1250);
    expect(loaded.isReleased).toBe(false);
    expect(registry.fetches).toBe(fetched + 1);
  });

  it("releases a challenger the new deployment no longer has, and keeps each model's status its own", async () => {
    const champion = registry.version(1, affine(1));
    await sessions.apply(deploymentOf('m', 1, champion, { challenger: registry.version(2, affine(2)), challenger_percent: 50 }));
    await sessions.apply(deploymentOf('n', 1, registry.version(1, affine(3))));
    const challenger = sessions.assertServing('m').challenger;

    await sessions.apply(deploymentOf('m', 2, champion));
    await sessions.apply(deploymentOf('n', 2, registry.version(2, buildModelWithCustomDomain())));

    expect(sessions.assertServing('m').challenger).toBeNull();
    expect(challenger?.isReleased).toBe(true);
    expect(sessions.status('m')).toMatchObject({ state: 'serving', servingRevision: 2 });
    expect(sessions.status('n')).toMatchObject({ state: 'failed', servingRevision: 1, targetRevision: 2 });
    expect(sessions.models().sort()).toEqual(['m', 'n']);
  });

  it('ignores a revision that is not newer than the one serving, and applies changes in the order they arrive', async () => {
    const first = registry.version(1, affine(1));
    const second = registry.version(2, affine(2));
    const third = registry.version(3, affine(3));
    await Promise.all([sessions.apply(deploymentOf('m', 1, first)), sessions.apply(deploymentOf('m', 3, third))]);
    expect(sessions.assertServing('m').revision).toBe(3);

    await sessions.apply(deploymentOf('m', 2, second));
    await sessions.apply(deploymentOf('m', 3, first));

    expect(sessions.assertServing('m')).toMatchObject({ revision: 3, champion: { version: 3 } });
    expect(sessions.status('m')).toMatchObject({ state: 'serving', targetRevision: 3 });
  });

  it('keeps the old version serving when a new one cannot load, marks that revision failed and does not retry it', async () => {
    await sessions.apply(deploymentOf('m', 1, registry.version(1, affine(2))));
    const old = sessions.assertServing('m').champion;

    await sessions.apply(deploymentOf('m', 2, registry.version(2, buildModelWithCustomDomain())));

    expect(sessions.assertServing('m').champion).toBe(old);
    expect(old.isReleased).toBe(false);
    expect(await predict(old, [1, 2])).toEqual([2, 4]);
    const failed = sessions.status('m');
    expect(failed).toMatchObject({ state: 'failed', targetRevision: 2, servingRevision: 1, attempts: 1, retryAt: undefined });
    expect(failed?.reason).toBeTruthy();
    expect(await metrics.loadFailures.get()).toMatchObject({ values: [{ labels: { model: 'm' }, value: 1 }] });
    expect(sessions.servedDeployments().map((d) => d.revision)).toEqual([1]);
    // The scrape shows the failed rollout: revision 2 tried, 1 serving.
    const scrape = await metricsRegistry.registry.metrics();
    expect(scrape).toContain('switchyard_rollout_state{model="m",state="failed"} 1');
    expect(scrape).toContain('switchyard_rollout_state{model="m",state="serving"} 0');
    expect(scrape).toContain('switchyard_deployment_revision{model="m",revision="target"} 2');
    expect(scrape).toContain('switchyard_deployment_revision{model="m",revision="serving"} 1');
    expect(scrape).toContain('switchyard_challenger_percent{model="m"} 0');

    const fetched = registry.fetches;
    await sessions.apply(deploymentOf('m', 2, registry.version(2, buildModelWithCustomDomain())));
    expect(sessions.status('m')).toMatchObject({ state: 'failed', targetRevision: 2, attempts: 1 });
    expect(registry.fetches).toBe(fetched);

    await sessions.apply(deploymentOf('m', 3, registry.version(3, affine(4))));
    expect(sessions.assertServing('m').revision).toBe(3);
    expect(sessions.status('m')).toEqual({ targetRevision: 3, servingRevision: 3, state: 'serving', reason: null });
    expect(old.isReleased).toBe(true);
  });

  it('retries a revision whose bytes could not be fetched, once its backoff has passed', async () => {
    let now = 1_000_000;
    jest.spyOn(Date, 'now').mockImplementation(() => now);
    const view = registry.version(1, affine(2));
    registry.unavailable.add(view.sha256);

    await sessions.apply(deploymentOf('m', 1, view));
    expect(sessions.status('m')).toMatchObject({ state: 'failed', targetRevision: 1, servingRevision: 0, attempts: 1, retryAt: now + 1_000 });
    expect(() => sessions.assertServing('m')).toThrow(expect.objectContaining({ code: 'MODEL_NOT_LOADED' }));

    registry.unavailable.delete(view.sha256);
    now += 999;
    await sessions.apply(deploymentOf('m', 1, view));
    expect(sessions.status('m')).toMatchObject({ state: 'failed', attempts: 1 });

    registry.unavailable.add(view.sha256);
    now += 1;
    await sessions.apply(deploymentOf('m', 1, view));
    // The second attempt failed too: the wait doubles.
    expect(sessions.status('m')).toMatchObject({ state: 'failed', attempts: 2, retryAt: now + 2_000 });

    registry.unavailable.delete(view.sha256);
    now += 2_000;
    await sessions.apply(deploymentOf('m', 1, view));
    expect(sessions.status('m')).toMatchObject({ state: 'serving', servingRevision: 1 });
  });

  it('says a model is loading while its first deployment loads, and that an unknown model is not deployed', async () => {
    expect(() => sessions.assertServing('m')).toThrow(DomainError);
    expect(() => sessions.assertServing('m')).toThrow(expect.objectContaining({ code: 'MODEL_NOT_FOUND' }));

    registry.hold();
    const applied = sessions.apply(deploymentOf('m', 1, registry.version(1, affine(2))));
    const fetchStarted = () => registry.fetches > 0;
    while (!fetchStarted()) await new Promise((resolve) => setImmediate(resolve));

    expect(sessions.status('m')).toEqual({ targetRevision: 1, servingRevision: 0, state: 'loading', reason: null });
    expect(() => sessions.assertServing('m')).toThrow(expect.objectContaining({ code: 'MODEL_NOT_LOADED' }));
    registry.release();
    await applied;
    expect(sessions.status('m')?.state).toBe('serving');
  });

  it('serves a pinned version from what serves, or loads it and keeps only the most recently pinned', async () => {
    const views = [1, 2, 3, 4, 5, 6].map((version) => registry.version(version, affine(version)));
    await sessions.apply(deploymentOf('m', 1, views[0]));
    const champion = sessions.assertServing('m').champion;

    expect(await sessions.pinnedVersion('m', views[0])).toBe(champion);
    const second = await sessions.pinnedVersion('m', views[1]);
    expect(second.version).toBe(2);
    expect(await predict(second, [1, 1])).toEqual([2, 2]);
    expect(await sessions.pinnedVersion('m', views[1])).toBe(second);
    expect(sessions.assertServing('m').champion).toBe(champion);

    const inFlight = second.lease();
    for (const view of views.slice(2)) await sessions.pinnedVersion('m', view);
    // Four kept (6, 5, 4, 3): version 2 is retired, and released once its request returns.
    expect(second.isReleased).toBe(false);
    inFlight();
    expect(second.isReleased).toBe(true);
    const third = await sessions.pinnedVersion('m', views[2]);
    expect(third.isReleased).toBe(false);
    expect(champion.isReleased).toBe(false);
  });

  it('promotes a pinned version without loading it again', async () => {
    await sessions.apply(deploymentOf('m', 1, registry.version(1, affine(1))));
    const view = registry.version(2, affine(2));
    const pinned = await sessions.pinnedVersion('m', view);
    const fetched = registry.fetches;

    await sessions.apply(deploymentOf('m', 2, view));

    expect(sessions.assertServing('m').champion).toBe(pinned);
    expect(registry.fetches).toBe(fetched);
  });

  it('forgets a removed model and releases its versions after their last request', async () => {
    await sessions.apply(deploymentOf('m', 1, registry.version(1, affine(2))));
    const champion = sessions.assertServing('m').champion;
    const inFlight = champion.lease();

    await sessions.remove('m');

    expect(() => sessions.assertServing('m')).toThrow(expect.objectContaining({ code: 'MODEL_NOT_FOUND' }));
    expect(sessions.status('m')).toBeUndefined();
    expect(sessions.servedDeployments()).toEqual([]);
    expect(champion.isReleased).toBe(false);
    inFlight();
    expect(champion.isReleased).toBe(true);
  });

  it('releases every version at shutdown', async () => {
    await sessions.apply(deploymentOf('m', 1, registry.version(1, affine(1)), { challenger: registry.version(2, affine(2)), challenger_percent: 50 }));
    const serving = sessions.assertServing('m');
    const pinned = await sessions.pinnedVersion('m', registry.version(3, affine(3)));

    sessions.onApplicationShutdown();

    expect([serving.champion.isReleased, serving.challenger?.isReleased, pinned.isReleased]).toEqual([true, true, true]);
  });
});
