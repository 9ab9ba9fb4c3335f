import { Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { DomainError } from '@switchyard/errors';
import { inferTask } from '@switchyard/onnx';
import type { ModelTask } from '@switchyard/domain';
import type { DeploymentView, LoadableVersionView } from '@switchyard/queues';
import type { TrafficPolicy } from '@switchyard/routing';
import { GatewayMetrics } from '../gateway-metrics';
import { ArtifactUnavailableError } from './artifact-cache';
import type { LoadedVersion } from './loaded-version';
import { VersionLoader } from './version-loader.service';

/**
 * What one model serves right now, and the router's policy for it; replaced as a whole, never changed
 * in place, so a request sees one consistent picture.
 */
export interface Serving extends TrafficPolicy {
  revision: number;
  champion: LoadedVersion;
  challenger: LoadedVersion | null;
  /** Receives copies of `shadowBp` basis points of the champion's requests (apps/gateway/src/shadow). */
  shadow: LoadedVersion | null;
  shadowBp: number;
  /** What the outputs mean, for the prediction log and feedback. */
  task: ModelTask;
  labels: string[] | null;
}

export interface ModelLoadStatus {
  targetRevision: number;
  servingRevision: number;
  state: 'loading' | 'serving' | 'failed';
  reason: string | null;
  /** For a failure worth retrying (the bytes could not be fetched): not before this time (ms). */
  retryAt?: number;
  attempts?: number;
}

/** Backoff between retries of a deployment whose artifact could not be fetched: 1 s doubling to 30 s. */
const RETRY_BASE_MS = 1_000;
const RETRY_MAX_MS = 30_000;

/** Versions loaded on request (a pinned /v2 version that holds no alias), kept per model. */
const PINNED_VERSIONS_PER_MODEL = 4;

/**
 * The gateway's in-memory sessions. A new deployment is loaded and warmed beside the one serving (by
 * VersionLoader), then swapped in with one assignment; versions the new deployment no longer uses are
 * retired and released after their last request. A load that fails leaves the previous deployment serving.
 */
@Injectable()
export class ModelSessions implements OnApplicationShutdown {
  private readonly logger = new Logger(ModelSessions.name);
  private readonly servings = new Map<string, Serving>();
  private readonly statuses = new Map<string, ModelLoadStatus>();
  private readonly pinned = new Map<string, LoadedVersion[]>();
  /** The deployment each model serves now, as the registry described it (for the disk snapshot). */
  private readonly served = new Map<string, DeploymentView>();
  /** One change at a time per model, in the order they arrive. */
  private readonly queues = new Map<string, Promise<void>>();

  constructor(
    private readonly metrics: GatewayMetrics,
    private readonly loader: VersionLoader,
  ) {
    metrics.observeRollouts(() =>
      [...this.statuses].map(([model, status]) => ({
        model,
        state: status.state,
        targetRevision: status.targetRevision,
        servingRevision: status.servingRevision,
        challengerPercent: (this.servings.get(model)?.challengerBp ?? 0) / 100,
      })),
    );
  }

  serving(model: string): Serving | undefined {
    return this.servings.get(model);
  }

  /** What is served, not what was asked for: a restart from this never needs bytes it could not get. */
  servedDeployments(): DeploymentView[] {
    return [...this.served.values()];
  }

  status(model: string): ModelLoadStatus | undefined {
    return this.statuses.get(model);
  }

  models(): string[] {
    return [...this.statuses.keys()];
  }

  /** Loads the deployment if it is newer than what serves; resolves once it serves or has failed. */
  apply(deployment: DeploymentView): Promise<void> {
    return this.enqueue(deployment.model, () => this.load(deployment));
  }

  /** The model has no deployment any more (its champion was removed). */
  remove(model: string): Promise<void> {
    return this.enqueue(model, async () => {
      const serving = this.servings.get(model);
      this.servings.delete(model);
      this.served.delete(model);
      this.statuses.delete(model);
      serving?.champion.retire();
      serving?.challenger?.retire();
      serving?.shadow?.retire();
      for (const version of this.pinned.get(model) ?? []) version.retire();
      this.pinned.delete(model);
    });
  }

  private enqueue(model: string, task: () => Promise<void>): Promise<void> {
    const next = (this.queues.get(model) ?? Promise.resolve()).then(task, task);
    this.queues.set(model, next);
    return next;
  }

  private async load(deployment: DeploymentView): Promise<void> {
    const current = this.servings.get(deployment.model);
    const status = this.statuses.get(deployment.model);
    if (current && current.revision >= deployment.revision) return;
    // A model that cannot load, or bytes that do not match, will not get better: only a new revision
    // is tried. A fetch that failed (registry or store down) is tried again once its backoff passes.
    if (status?.state === 'failed' && status.targetRevision === deployment.revision) {
      if (status.retryAt === undefined || Date.now() < status.retryAt) return;
    }
    const attempts = status?.targetRevision === deployment.revision ? (status.attempts ?? 0) + 1 : 1;
    this.statuses.set(deployment.model, {
      targetRevision: deployment.revision,
      servingRevision: current?.revision ?? 0,
      state: 'loading',
      reason: null,
    });
    try {
      const champion = await this.versionFor(deployment.model, deployment.champion, current);
      const challenger = deployment.challenger ? await this.versionFor(deployment.model, deployment.challenger, current) : null;
      const shadow = deployment.shadow ? await this.shadowFor(deployment, current) : null;
      const onBatch = (rows: number) => this.metrics.batchRows.observe({ model: deployment.model }, rows);
      champion.setBatching(deployment.batching, onBatch);
      challenger?.setBatching(deployment.batching, onBatch);
      shadow?.setBatching(deployment.batching, onBatch);
      const next: Serving = {
        model: deployment.model,
        revision: deployment.revision,
        salt: deployment.salt,
        challengerBp: Math.round(deployment.challenger_percent * 100),
        hasChallenger: challenger !== null,
        champion,
        challenger,
        shadow,
        shadowBp: shadow ? Math.round((deployment.shadow_percent ?? 0) * 100) : 0,
        // A snapshot written before task existed has none: infer it as the registry would.
        task: deployment.task ?? inferTask(champion.signature),
        labels: deployment.labels ?? null,
      };
      this.servings.set(deployment.model, next);
      this.served.set(deployment.model, deployment);
      if (current) {
        const kept = new Set([champion, challenger, shadow]);
        if (!kept.has(current.champion)) current.champion.retire();
        if (current.challenger && !kept.has(current.challenger)) current.challenger.retire();
        if (current.shadow && !kept.has(current.shadow)) current.shadow.retire();
      }
      this.statuses.set(deployment.model, { targetRevision: deployment.revision, servingRevision: deployment.revision, state: 'serving', reason: null });
      this.logger.log(
        { model: deployment.model, revision: deployment.revision, champion: champion.version, challenger: challenger?.version ?? null, shadow: shadow?.version ?? null },
        'serving deployment',
      );
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      const transient = error instanceof ArtifactUnavailableError;
      this.statuses.set(deployment.model, {
        targetRevision: deployment.revision,
        servingRevision: current?.revision ?? 0,
        state: 'failed',
        reason,
        attempts,
        retryAt: transient ? Date.now() + Math.min(RETRY_MAX_MS, RETRY_BASE_MS * 2 ** (attempts - 1)) : undefined,
      });
      this.metrics.loadFailures.inc({ model: deployment.model });
      this.logger.error({ model: deployment.model, revision: deployment.revision, reason }, 'could not load deployment; the previous one keeps serving');
    }
  }

  /**
   * A shadow that cannot load must not hold back the champion and challenger it only watches: the
   * deployment serves without it, and the failure is counted and logged.
   */
  private async shadowFor(deployment: DeploymentView, current: Serving | undefined): Promise<LoadedVersion | null> {
    try {
      return await this.versionFor(deployment.model, deployment.shadow!, current);
    } catch (error) {
      this.metrics.loadFailures.inc({ model: deployment.model });
      const reason = error instanceof Error ? error.message : String(error);
      this.logger.error({ model: deployment.model, revision: deployment.revision, shadow: deployment.shadow!.version, reason }, 'could not load the shadow; serving without it');
      return null;
    }
  }

  /** Reuses what already serves when the bytes are the same; loads otherwise. */
  private async versionFor(model: string, view: LoadableVersionView, current: Serving | undefined): Promise<LoadedVersion> {
    for (const candidate of [current?.champion, current?.challenger, current?.shadow, ...(this.pinned.get(model) ?? [])]) {
      if (candidate && candidate.sha256 === view.sha256 && !candidate.isReleased) return candidate;
    }
    return this.loader.load(model, view);
  }

  /**
   * A version asked for by number (OIP `/versions/{v}`): what serves if it is champion or challenger,
   * otherwise loaded on request and kept among the few most recently pinned.
   */
  async pinnedVersion(model: string, view: LoadableVersionView): Promise<LoadedVersion> {
    const serving = this.servings.get(model);
    for (const candidate of [serving?.champion, serving?.challenger, serving?.shadow, ...(this.pinned.get(model) ?? [])]) {
      if (candidate && candidate.version === view.version && !candidate.isReleased) return candidate;
    }
    const loaded = await this.loader.load(model, view);
    const kept = [loaded, ...(this.pinned.get(model) ?? [])];
    for (const evicted of kept.splice(PINNED_VERSIONS_PER_MODEL)) {
      if (evicted !== serving?.champion && evicted !== serving?.challenger && evicted !== serving?.shadow) evicted.retire();
    }
    this.pinned.set(model, kept);
    return loaded;
  }

  assertServing(model: string): Serving {
    const serving = this.servings.get(model);
    if (serving) return serving;
    const status = this.statuses.get(model);
    if (status) {
      throw new DomainError('MODEL_NOT_LOADED', `model "${model}" is not loaded yet${status.reason ? ` (${status.reason})` : ''}; retry shortly`);
    }
    throw new DomainError('MODEL_NOT_FOUND', `no model named "${model}" is deployed; set its champion in the registry`);
  }

  onApplicationShutdown(): void {
    for (const serving of this.servings.values()) {
      serving.champion.retire();
      serving.challenger?.retire();
      serving.shadow?.retire();
    }
    for (const versions of this.pinned.values()) for (const version of versions) version.retire();
  }
}
