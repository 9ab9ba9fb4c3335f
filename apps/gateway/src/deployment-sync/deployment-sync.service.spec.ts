import { Logger } from '@nestjs/common';
import { Redis } from 'ioredis';
import { createHash, randomUUID } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { Env } from '@switchyard/config';
import { MetricsRegistry } from '@switchyard/http';
import { buildAffine, buildModelWithCustomDomain } from '@switchyard/onnx/testing';
import { type DeploymentView, type LoadableVersionView, type ReplicaRolloutStatus, rolloutKey } from '@switchyard/queues';
import { GatewayMetrics } from '../gateway-metrics';
import { RegistryClient } from '../registry-client/registry-client.service';
import { ArtifactCache } from '../sessions/artifact-cache';
import { InferenceThreads } from '../sessions/inference-threads';
import { ModelSessions } from '../sessions/model-sessions.service';
import { VersionLoader } from '../sessions/version-loader.service';
import { DeploymentSync } from './deployment-sync.service';
import { configOf, deploymentOf, waitFor } from '../../../../test/support/unit';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379/0';
const REGISTRY_URL = 'http://registry.invalid';

/** The registry as the gateway sees it: GET /v1/deployments and the artifact route. */
class FakeRegistry {
  up = true;
  instance: string | null = 'registry-a';
  deployments: DeploymentView[] = [];
  reads = 0;
  private readonly artifacts = new Map<string, Uint8Array>();
  private readonly heldArtifacts = new Map<string, Promise<void>>();
  private held: Promise<void> | null = null;
  private releaseHeld: () => void = () => undefined;

  constructor() {
    jest.spyOn(globalThis, 'fetch').mockImplementation(async (input) => {
      const url = new URL(String(input));
      if (!this.up) throw new TypeError('fetch failed');
      if (url.pathname === '/v1/deployments') {
        this.reads += 1;
        const body = { items: this.deployments, registry_instance: this.instance ?? undefined };
        await this.held;
        return Response.json(body);
      }
      const sha256 = url.pathname.split('/').pop() ?? '';
      await this.heldArtifacts.get(sha256);
      const bytes = this.artifacts.get(sha256);
      return bytes ? new Response(bytes) : new Response('not found', { status: 404 });
    });
  }

  version(version: number, bytes: Uint8Array): LoadableVersionView {
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    this.artifacts.set(sha256, bytes);
    return { version, sha256, size_bytes: bytes.length, artifact_url: `/v1/artifacts/${sha256}`, artifact_uri: `s3://models/${sha256}`, signature: null, input_example: null };
  }

  deploy(model: string, revision: number, champion: LoadableVersionView): DeploymentView {
    const deployment = deploymentOf(model, revision, champion);
    this.deployments = [...this.deployments.filter((d) => d.model !== model), deployment];
    return deployment;
  }

  /** The artifact's bytes wait until the returned function is called. */
  holdArtifact(sha256: string): () => void {
    let release: () => void = () => undefined;
    this.heldArtifacts.set(sha256, new Promise((resolve) => (release = resolve)));
    return () => {
      this.heldArtifacts.delete(sha256);
      release();
    };
  }

  /** Answers to deployment reads wait until release(); each answers the list as it was when read. */
  hold(): void {
    this.held = new Promise((resolve) => (this.releaseHeld = resolve));
  }

  release(): void {
    this.held = null;
    this.releaseHeld();
  }
}

const affine = (scale: number) => buildAffine({ scale, bias: 0, features: 2 });

describe('DeploymentSync', () => {
  let redis: Redis;
  let prefix: string;
  let cacheDir: string;
  let registry: FakeRegistry;
  const started: Array<{ sessions: ModelSessions; sync: DeploymentSync }> = [];

  beforeAll(() => Logger.overrideLogger(false));

  beforeEach(async () => {
    redis = new Redis(REDIS_URL);
    prefix = `${process.env.REDIS_PREFIX ?? 'sy'}-sync-${randomUUID().slice(0, 8)}`;
    cacheDir = await mkdtemp(path.join(tmpdir(), 'deployment-sync-'));
    registry = new FakeRegistry();
  });

  afterEach(async () => {
    for (const { sessions, sync } of started.splice(0)) {
      await sync.onApplicationShutdown();
      sessions.onApplicationShutdown();
    }
    jest.restoreAllMocks();
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
    await rm(cacheDir, { recursive: true, force: true });
  });

  /** A gateway's sessions and sync, as the deployments module wires them. */
  function gateway(overrides: Partial<Env> = {}): { sessions: ModelSessions; sync: DeploymentSync } {
    const config = configOf({
      REDIS_URL,
      REDIS_PREFIX: prefix,
      REGISTRY_URL,
      GATEWAY_CACHE_DIR: cacheDir,
      GATEWAY_REPLICA_ID: 'replica-a',
      GATEWAY_PORT: 8081,
      DEPLOYMENT_POLL_MS: 3_600_000,
      GATEWAY_INFERENCE_THREADS: 0,
      GATEWAY_OFFLOAD_ABOVE_MS: 0,
      ...overrides,
    });
    const metricsRegistry = new MetricsRegistry();
    const metrics = new GatewayMetrics(metricsRegistry);
    const registryClient = new RegistryClient(config);
    const cache = new ArtifactCache(config, registryClient);
    const sessions = new ModelSessions(metrics, new VersionLoader(cache, metrics, new InferenceThreads(config, metricsRegistry)));
    const sync = new DeploymentSync(config, sessions, registryClient, cache, redis);
    started.push({ sessions, sync });
    return { sessions, sync };
  }

  const servingRevision = (sessions: ModelSessions, model: string) => sessions.serving(model)?.revision ?? 0;

  async function rolloutReport(model: string): Promise<ReplicaRolloutStatus | null> {
    const report = await redis.hget(rolloutKey(prefix, model), 'replica-a');
    return report ? (JSON.parse(report) as ReplicaRolloutStatus) : null;
  }

  /** The snapshot files in the cache directory (not a write in progress, which is renamed into place when complete). */
  async function snapshots(): Promise<Array<{ content: Record<string, unknown> }>> {
    const files = (await readdir(cacheDir)).filter((file) => /^deployments-[0-9a-f]{16}\.json$/.test(file));
    return Promise.all(files.map(async (file) => ({ content: JSON.parse(await readFile(path.join(cacheDir, file), 'utf8')) as Record<string, unknown> })));
  }

  it("applies the registry's deployments at start, reports its rollout and snapshots what it serves", async () => {
    registry.deploy('m', 1, registry.version(1, affine(2)));
    const { sessions, sync } = gateway();

    await sync.onApplicationBootstrap();
    expect(sync.isSynced).toBe(true);
    expect(sync.deployedModels()).toEqual(['m']);
    await waitFor(() => servingRevision(sessions, 'm') === 1, 'revision 1 serves');

    await waitFor(async () => (await rolloutReport('m'))?.state === 'serving', 'the rollout report says serving');
    expect(await rolloutReport('m')).toMatchObject({ replica: 'replica-a', serving_revision: 1, target_revision: 1, state: 'serving', reason: null, champion: 1, challenger: null });
    await waitFor(async () => (await snapshots()).length === 1, 'a snapshot is written');
    const [snapshot] = await snapshots();
    expect(snapshot.content).toMatchObject({ registry_url: REGISTRY_URL, redis_prefix: prefix, registry_instance: 'registry-a', deployments: [{ model: 'm', revision: 1 }] });
  });

  it('writes the snapshot again only when what it serves changes, not on every poll', async () => {
    registry.deploy('m', 1, registry.version(1, affine(2)));
    const { sessions, sync } = gateway();
    const writes = jest.spyOn(ArtifactCache.prototype, 'writeJson');
    await sync.onApplicationBootstrap();
    await waitFor(async () => (await snapshots()).length === 1, 'a snapshot is written');
    expect(writes).toHaveBeenCalledTimes(1);

    // Two polls that change nothing, then one that deploys another model: the saves are made in the
    // order the loads end, so once the new model is in the file, the two polls' saves are behind it.
    await sync.refresh();
    await sync.refresh();
    registry.deploy('n', 1, registry.version(1, affine(3)));
    await sync.refresh();
    await waitFor(() => servingRevision(sessions, 'n') === 1, 'model n serves');
    await waitFor(async () => ((await snapshots())[0]?.content.deployments as unknown[]).length === 2, 'the snapshot holds both models');

    expect(writes).toHaveBeenCalledTimes(2);
    const [snapshot] = await snapshots();
    expect(snapshot.content).toMatchObject({ deployments: [{ model: 'm', revision: 1 }, { model: 'n', revision: 1 }] });
  });

  it('reports a failed load with its reason, keeps the old revision serving and keeps it in the snapshot', async () => {
    registry.deploy('m', 1, registry.version(1, affine(2)));
    const { sessions, sync } = gateway();
    await sync.onApplicationBootstrap();
    await waitFor(async () => (await rolloutReport('m'))?.state === 'serving', 'revision 1 is reported serving');

    registry.deploy('m', 2, registry.version(2, buildModelWithCustomDomain()));
    await sync.refresh();

    await waitFor(async () => (await rolloutReport('m'))?.state === 'failed', 'the failure is reported');
    const report = await rolloutReport('m');
    expect(report).toMatchObject({ serving_revision: 1, target_revision: 2, champion: 1 });
    expect(report?.reason).toBeTruthy();
    expect(servingRevision(sessions, 'm')).toBe(1);
    await waitFor(async () => (await snapshots()).length === 1, 'a snapshot is written');
    const [snapshot] = await snapshots();
    expect(snapshot.content).toMatchObject({ deployments: [{ model: 'm', revision: 1 }] });
  });

  it('restores the last snapshot when the registry is down at start', async () => {
    registry.deploy('m', 1, registry.version(1, affine(2)));
    const first = gateway();
    await first.sync.onApplicationBootstrap();
    await waitFor(async () => (await snapshots()).length === 1, 'a snapshot is written');

    registry.up = false;
    const { sessions, sync } = gateway();
    await sync.onApplicationBootstrap();

    expect(sync.isSynced).toBe(true);
    expect(sync.deployedModels()).toEqual(['m']);
    await waitFor(() => servingRevision(sessions, 'm') === 1, 'the snapshot revision serves from the disk cache');
    expect(await sync.refresh()).toBe(false);
    expect(servingRevision(sessions, 'm')).toBe(1);
  });

  it('keeps one snapshot per registry URL, so two setups sharing a cache directory never share one', async () => {
    registry.deploy('m', 1, registry.version(1, affine(2)));
    const ours = gateway();
    const theirs = gateway({ REGISTRY_URL: 'http://other-registry.invalid' });
    await Promise.all([ours.sync.onApplicationBootstrap(), theirs.sync.onApplicationBootstrap()]);

    await waitFor(async () => (await snapshots()).length === 2, 'each setup writes its snapshot');
    const written = await snapshots();
    expect(written.map((snapshot) => snapshot.content.registry_url).sort()).toEqual(['http://other-registry.invalid', REGISTRY_URL]);
  });

  it.each([
    ['registry URL', { REGISTRY_URL: 'http://other-registry.invalid' }],
    ['Redis prefix', { REDIS_PREFIX: 'other-prefix' }],
  ])('never restores a snapshot written for another %s', async (_, other) => {
    registry.deploy('m', 1, registry.version(1, affine(2)));
    const first = gateway();
    await first.sync.onApplicationBootstrap();
    await waitFor(async () => (await snapshots()).length === 1, 'a snapshot is written');

    registry.up = false;
    const { sessions, sync } = gateway(other);
    await sync.onApplicationBootstrap();

    expect(sync.isSynced).toBe(false);
    expect(sync.deployedModels()).toEqual([]);
    expect(sessions.models()).toEqual([]);
  });

  it("drops what it restored from the snapshot once the registry answers as another instance, and loads that instance's own", async () => {
    registry.deploy('m', 1, registry.version(1, affine(2)));
    const first = gateway();
    await first.sync.onApplicationBootstrap();
    await waitFor(async () => (await snapshots()).length === 1, 'a snapshot is written');

    registry.up = false;
    const { sessions, sync } = gateway();
    await sync.onApplicationBootstrap();
    await waitFor(() => servingRevision(sessions, 'm') === 1, 'the snapshot serves');
    const restored = sessions.serving('m')?.champion;

    // Another registry on the same URL, whose model of the same name and revision is another model.
    registry.up = true;
    registry.instance = 'registry-b';
    const own = registry.version(1, affine(7));
    registry.deploy('m', 1, own);
    expect(await sync.refresh()).toBe(true);

    await waitFor(() => sessions.serving('m')?.champion.sha256 === own.sha256, "registry-b's version serves");
    expect(restored?.isReleased).toBe(true);
    await waitFor(async () => (await snapshots())[0]?.content.registry_instance === 'registry-b', 'the snapshot names registry-b');
  });

  it('keeps what it restored when the registry that answers is the one the snapshot came from', async () => {
    registry.deploy('m', 1, registry.version(1, affine(2)));
    const first = gateway();
    await first.sync.onApplicationBootstrap();
    await waitFor(async () => (await snapshots()).length === 1, 'a snapshot is written');

    registry.up = false;
    const { sessions, sync } = gateway();
    await sync.onApplicationBootstrap();
    await waitFor(() => servingRevision(sessions, 'm') === 1, 'the snapshot serves');
    const restored = sessions.serving('m')?.champion;

    registry.up = true;
    expect(await sync.refresh()).toBe(true);
    await waitFor(async () => (await rolloutReport('m'))?.state === 'serving', 'the rollout is reported');

    expect(sessions.serving('m')?.champion).toBe(restored);
    expect(restored?.isReleased).toBe(false);
  });

  it('polls the registry when no notice comes', async () => {
    registry.deploy('m', 1, registry.version(1, affine(2)));
    const { sessions, sync } = gateway({ DEPLOYMENT_POLL_MS: 50 });
    await sync.onApplicationBootstrap();
    await waitFor(() => servingRevision(sessions, 'm') === 1, 'revision 1 serves');

    registry.deploy('m', 2, registry.version(2, affine(3)));

    await waitFor(() => servingRevision(sessions, 'm') === 2, 'revision 2 serves after a poll');
  });

  it('coalesces a burst of refresh requests into one read after the one in flight, which sees the latest list', async () => {
    registry.deploy('m', 1, registry.version(1, affine(2)));
    const { sessions, sync } = gateway();
    registry.hold();
    for (let i = 0; i < 5; i++) sync.requestRefresh();
    expect(registry.reads).toBe(1);

    registry.deploy('m', 2, registry.version(2, affine(3)));
    for (let i = 0; i < 5; i++) sync.requestRefresh();
    registry.release();

    await waitFor(() => servingRevision(sessions, 'm') === 2, 'revision 2 serves');
    expect(registry.reads).toBe(2);
  });

  it('removes a model the registry no longer lists, and takes it out of the snapshot', async () => {
    registry.deploy('m', 1, registry.version(1, affine(2)));
    registry.deploy('n', 1, registry.version(1, affine(3)));
    // No poll here: snapshot writes go one at a time, so the last one written lists what serves last.
    const { sessions, sync } = gateway();
    await sync.onApplicationBootstrap();
    await waitFor(() => servingRevision(sessions, 'm') === 1 && servingRevision(sessions, 'n') === 1, 'both models serve');

    registry.deployments = registry.deployments.filter((d) => d.model !== 'n');
    await sync.refresh();

    expect(sync.deployedModels()).toEqual(['m']);
    await waitFor(() => sessions.models().length === 1, 'n is removed');
    expect(sessions.serving('n')).toBeUndefined();
    const snapshotModels = async () => ((await snapshots())[0]?.content.deployments as DeploymentView[] | undefined)?.map((d) => d.model).join(',');
    await waitFor(async () => (await snapshotModels()) === 'm', 'the snapshot lists m only');
  });
});
