import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { hostname } from 'node:os';
import { Redis } from 'ioredis';
import { TypedConfig } from '../../../../libs/config/src';
import {
  type DeploymentView,
  deploymentsChannel,
  REDIS_CLIENT,
  type ReplicaRolloutStatus,
  rolloutKey,
} from '../../../../libs/queues/src';
import { registryHeaders } from '../registry-credentials';
import { ModelSessions } from '../sessions/model-sessions.service';

const SNAPSHOT_FILE = 'deployments.json';

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

  constructor(
    private readonly config: TypedConfig,
    private readonly sessions: ModelSessions,
    @Inject(REDIS_CLIENT) private readonly redis: Redis,
  ) {
    this.prefix = config.get('REDIS_PREFIX');
    this.replica = config.get('GATEWAY_REPLICA_ID') ?? `${hostname()}:${config.get('GATEWAY_PORT')}:${process.pid}`;
    // Subscriptions need their own connection; this one reconnects forever and resubscribes itself.
    this.subscriber = new Redis(config.get('REDIS_URL'), { lazyConnect: true, maxRetriesPerRequest: null });
  }

  get isSynced(): boolean {
    return this.synced;
  }

  /** Models this replica must serve, per the last deployment list it applied. */
  deployedModels(): string[] {
    return [...this.known];
  }

  async onApplicationBootstrap(): Promise<void> {
    const snapshot = await this.sessions.cache.readJson<DeploymentView[]>(SNAPSHOT_FILE);
    this.subscriber.on('message', () => this.requestRefresh());
    // After a reconnect, notices sent while disconnected are lost: read the whole list again.
    this.subscriber.on('ready', () => this.requestRefresh());
    this.subscriber.on('error', (error) => this.logger.debug({ err: error }, 'redis subscriber error'));
    void this.subscriber.subscribe(deploymentsChannel(this.prefix)).catch(() => undefined);
    void this.subscriber.connect().catch(() => undefined);
    this.pollTimer = setInterval(() => this.requestRefresh(), this.config.get('DEPLOYMENT_POLL_MS'));
    this.pollTimer.unref();
    const fromRegistry = await this.refresh();
    if (!fromRegistry && snapshot) {
      this.logger.warn({ models: snapshot.length }, 'registry unreachable at start; serving the last known deployments');
      await this.reconcile(snapshot);
    }
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
    try {
      const response = await fetch(new URL('/v1/deployments', this.config.get('REGISTRY_URL')), {
        headers: registryHeaders(this.config.get('REGISTRY_API_KEY')),
        signal: AbortSignal.timeout(5_000),
      });
      if (!response.ok) throw new Error(`registry answered ${response.status}`);
      deployments = ((await response.json()) as { items: DeploymentView[] }).items;
    } catch (error) {
      this.logger.warn({ err: error instanceof Error ? error.message : error }, 'could not read deployments; serving what is loaded');
      return false;
    }
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
  private async saveSnapshot(): Promise<void> {
    await this.sessions.cache.writeJson(SNAPSHOT_FILE, this.sessions.servedDeployments()).catch(() => undefined);
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
  }
}
