import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { hostname } from 'node:os';
import { Redis } from 'ioredis';
import { TypedConfig } from '@switchyard/config';
import {
  type DeploymentView,
  deploymentsChannel,
  REDIS_CLIENT,
  type ReplicaRolloutStatus,
  rolloutKey,
} from '@switchyard/queues';
import { RegistryClient } from '../registry-client/registry-client.service';
import { ArtifactCache } from '../sessions/artifact-cache';
import { ModelSessions } from '../sessions/model-sessions.service';

/**
 * What a snapshot says of its source. The file is named after the registry URL and Redis prefix this
 * gateway is configured with, so two setups run from one checkout never share one; and it carries the
 * registry's instance id (made once per registry database), so a snapshot from another registry that
 * answered on the same URL is never taken for this one's.
 */
interface DeploymentSnapshot {
  registry_url: string;
  redis_prefix: string;
  registry_instance: string | null;
  deployments: DeploymentView[];
}

function isSnapshot(value: unknown): value is DeploymentSnapshot {
  const snapshot = value as DeploymentSnapshot | null;
  return typeof snapshot === 'object' && snapshot !== null && typeof snapshot.registry_url === 'string' && Array.isArray(snapshot.deployments);
}

/**
 * Keeps the gateway's sessions in step with the registry: at start (from the registry, or from the last
 * snapshot on disk when the registry is down), on every Redis notice, and by polling as a fallback for
 * missed notices. While the registry or Redis is down the gateway keeps serving what it has.
 */
@Injectable()
export class DeploymentSync implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(DeploymentSync.name);
  private readonly subscriber: Redis;
  private readonly replica: string;
  private readonly prefix: string;
  private pollTimer?: NodeJS.Timeout;
  private refreshing: Promise<void> | null = null;
  private refreshAgain = false;
  /** True once a deployment list (from the registry or the snapshot) has been applied. */
  private synced = false;
  private known = new Set<string>();
  private readonly snapshotFile: string;
  private snapshotWrites: Promise<void> = Promise.resolve();
  /** The snapshot this process last wrote, as written: every poll saves, and most change nothing served. */
  private writtenSnapshot: string | null = null;
  /** Set at shutdown: loads that finish later write no snapshot (the files may be on their way out). */
  private stopped = false;
  /** The registry instance whose deployments are applied: from the last read, or from the snapshot restored at start. */
  private instance: string | null = null;

  constructor(
    private readonly config: TypedConfig,
    private readonly sessions: ModelSessions,
    private readonly registry: RegistryClient,
    private readonly cache: ArtifactCache,
    @Inject(REDIS_CLIENT) private readonly redis: Redis,
  ) {
    this.prefix = config.get('REDIS_PREFIX');
    this.replica = config.get('GATEWAY_REPLICA_ID') ?? `${hostname()}:${config.get('GATEWAY_PORT')}:${process.pid}`;
    // Subscriptions need their own connection; this one reconnects forever and resubscribes itself.
    this.subscriber = new Redis(config.get('REDIS_URL'), { lazyConnect: true, maxRetriesPerRequest: null });
    const source = createHash('sha256').update(`${config.get('REGISTRY_URL')}\n${this.prefix}`).digest('hex').slice(0, 16);
    this.snapshotFile = `deployments-${source}.json`;
  }

  /** The name this replica reports in rollout status (and in /health/ready). */
  get replicaId(): string {
    return this.replica;
  }

  get isSynced(): boolean {
    return this.synced;
  }

  /** Models this replica must serve, per the last deployment list it applied. */
  deployedModels(): string[] {
    return [...this.known];
  }

  /** The deployed models by name, as the protocols list them: all, or those a key limited to some models may use. */
  modelsVisibleTo(limitedTo: string[] | null): string[] {
    const deployed = this.deployedModels().sort();
    return limitedTo === null ? deployed : deployed.filter((model) => limitedTo.includes(model));
  }

  async onApplicationBootstrap(): Promise<void> {
    const snapshot = await this.readSnapshot();
    this.subscriber.on('message', () => this.requestRefresh());
    // After a reconnect, notices sent while disconnected are lost: read the whole list again.
    this.subscriber.on('ready', () => this.requestRefresh());
    this.subscriber.on('error', (error) => this.logger.debug({ err: error }, 'redis subscriber error'));
    void this.subscriber.subscribe(deploymentsChannel(this.prefix)).catch(() => undefined);
    void this.subscriber.connect().catch(() => undefined);
    this.pollTimer = setInterval(() => this.requestRefresh(), this.config.get('DEPLOYMENT_POLL_MS'));
    this.pollTimer.unref();
    const fromRegistry = await this.refresh();
    if (fromRegistry && snapshot && snapshot.registry_instance !== this.instance) {
      this.logger.warn(
        { snapshot_instance: snapshot.registry_instance, registry_instance: this.instance },
        'the deployment snapshot on disk came from another registry instance; ignored',
      );
    }
    if (!fromRegistry && snapshot) {
      this.logger.warn(
        { models: snapshot.deployments.length, registry_instance: snapshot.registry_instance },
        'registry unreachable at start; serving the last known deployments of this registry URL, until the registry confirms they are its own',
      );
      this.instance = snapshot.registry_instance;
      await this.reconcile(snapshot.deployments);
    }
  }

  private async readSnapshot(): Promise<DeploymentSnapshot | null> {
    const snapshot = await this.cache.readJson<unknown>(this.snapshotFile);
    if (snapshot === null) return null;
    if (!isSnapshot(snapshot) || snapshot.registry_url !== this.config.get('REGISTRY_URL') || snapshot.redis_prefix !== this.prefix) {
      this.logger.warn({ file: this.snapshotFile }, 'the deployment snapshot on disk does not name this registry and Redis prefix; ignored');
      return null;
    }
    return snapshot;
  }

  /** Coalesces bursts of notices into one read of the registry at a time. */
  requestRefresh(): void {
    if (this.refreshing) {
      this.refreshAgain = true;
      return;
    }
    this.refreshing = this.refresh()
      .then(() => undefined)
      .finally(() => {
        this.refreshing = null;
        if (this.refreshAgain) {
          this.refreshAgain = false;
          this.requestRefresh();
        }
      });
  }

  /** Reads every deployment from the registry and applies it; false when the registry could not be read. */
  async refresh(): Promise<boolean> {
    let deployments: DeploymentView[];
    let instance: string | null;
    try {
      ({ deployments, instance } = await this.registry.deployments());
    } catch (error) {
      this.logger.warn({ err: error instanceof Error ? error.message : error }, 'could not read deployments; serving what is loaded');
      return false;
    }
    if (this.synced && instance !== this.instance) {
      // A model of the same name and revision in another registry is another model: nothing loaded from
      // that registry's snapshot may stand in for this one's, so drop it all and load afresh.
      this.logger.warn(
        { serving_instance: this.instance, registry_instance: instance },
        'the registry is another instance than the one whose deployments are served; dropping them all',
      );
      await Promise.all(this.sessions.models().map((model) => this.sessions.remove(model)));
    }
    this.instance = instance;
    await this.reconcile(deployments);
    return true;
  }

  /**
   * Starts every load without waiting for it: each model's loads are queued on their own, so one slow
   * or stuck artifact never holds back another model's change. Each model reports once its load ends
   * (immediately when there was nothing to load), so every poll also refreshes the reports, in order.
   */
  private async reconcile(deployments: DeploymentView[]): Promise<void> {
    const names = new Set(deployments.map((d) => d.model));
    this.known = names;
    for (const deployment of deployments) {
      void this.sessions.apply(deployment).then(() => Promise.all([this.reportRollout([deployment]), this.saveSnapshot()]));
    }
    for (const model of this.sessions.models().filter((name) => !names.has(name))) {
      void this.sessions.remove(model).then(() => this.saveSnapshot());
    }
    this.synced = true;
  }

  /**
   * The snapshot a restart falls back on when the registry is down: the deployments actually served,
   * so a change that could not be loaded (say, during an S3 outage) never replaces one that works.
   */
  private saveSnapshot(): Promise<void> {
    if (this.stopped) return this.snapshotWrites;
    // One write at a time, each reading the served state when it runs: loads of several models finish
    // in any order, and a write that started earlier must not land last with an older list.
    this.snapshotWrites = this.snapshotWrites.then(() => this.writeSnapshot());
    return this.snapshotWrites;
  }

  private async writeSnapshot(): Promise<void> {
    const snapshot: DeploymentSnapshot = {
      registry_url: this.config.get('REGISTRY_URL'),
      redis_prefix: this.prefix,
      registry_instance: this.instance,
      deployments: this.sessions.servedDeployments(),
    };
    const json = JSON.stringify(snapshot);
    // Each model's load saves the whole list, on every poll: rewriting an unchanged file would cost
    // a file write per model per poll, each of every model's deployment.
    if (json === this.writtenSnapshot) return;
    try {
      await this.cache.writeJson(this.snapshotFile, json);
      this.writtenSnapshot = json;
    } catch {
      // The next save tries again; until then a restart falls back on the snapshot before.
    }
  }

  /** Each replica writes what it serves into a Redis hash per model; the registry shows it as rollout. */
  private async reportRollout(deployments: DeploymentView[]): Promise<void> {
    const reportedAt = new Date().toISOString();
    try {
      const pipeline = this.redis.pipeline();
      for (const deployment of deployments) {
        const status = this.sessions.status(deployment.model);
        const serving = this.sessions.serving(deployment.model);
        const report: ReplicaRolloutStatus = {
          replica: this.replica,
          serving_revision: serving?.revision ?? 0,
          target_revision: status?.targetRevision ?? deployment.revision,
          state: status?.state ?? 'loading',
          reason: status?.reason ?? null,
          champion: serving?.champion.version ?? null,
          challenger: serving?.challenger?.version ?? null,
          shadow: serving?.shadow?.version ?? null,
          reported_at: reportedAt,
        };
        pipeline.hset(rolloutKey(this.prefix, deployment.model), this.replica, JSON.stringify(report));
      }
      await pipeline.exec();
    } catch (error) {
      this.logger.debug({ err: error }, 'could not report rollout status');
    }
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.pollTimer) clearInterval(this.pollTimer);
    this.subscriber.disconnect();
    await this.refreshing?.catch(() => undefined);
    // A write in progress finishes before shutdown does, and none starts after it.
    this.stopped = true;
    await this.snapshotWrites.catch(() => undefined);
  }
}
