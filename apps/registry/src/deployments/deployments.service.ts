import { Inject, Injectable, Logger } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import type { Redis } from 'ioredis';
import { TypedConfig } from '@switchyard/config';
import { REDIS_CLIENT, type ReplicaRolloutStatus, rolloutKey } from '@switchyard/queues';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { DomainError } from '@switchyard/errors';
import { inferTask } from '@switchyard/onnx';
import {
  AuditEntryEntity,
  DeploymentEntity,
  type DeploymentState,
  RegistryInstanceEntity,
  ModelEntity,
  type ModelVersionEntity,
} from '@switchyard/persistence';
import type {
  DeploymentAtResponse,
  DeploymentResponse,
  DeploymentVersionRef,
  GatewayDeployment,
  LoadableVersion,
} from './dto/deployment.dto';
import { CHALLENGER, CHAMPION, type AliasTarget, loadAliases, percentFromBasisPoints, SHADOW } from '@switchyard/deployment-changes';

function versionRef(version: ModelVersionEntity | undefined | null): DeploymentVersionRef | null {
  return version ? { version: version.version, sha256: version.sha256, status: version.status } : null;
}

function loadable(modelName: string, version: ModelVersionEntity): LoadableVersion {
  return {
    version: version.version,
    sha256: version.sha256,
    size_bytes: version.sizeBytes,
    artifact_url: `/v1/models/${modelName}/versions/${version.version}/artifact`,
    artifact_uri: version.artifactUri,
    signature: version.signature,
    input_example: version.metadata.input_example ?? null,
  };
}

/** A replica that has not reported for this long is taken to be gone and left out of `rollout`. */
const ROLLOUT_REPORT_TTL_MS = 5 * 60_000;

/** Reads of deployments: for operators (one model), for gateways (all), and as of a past time. */
@Injectable()
export class DeploymentsService {
  private readonly logger = new Logger(DeploymentsService.name);
  private instance?: string;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(REDIS_CLIENT) private readonly redis: Redis,
    private readonly config: TypedConfig,
  ) {}

  /** What each gateway replica reported serving; empty (and logged) while Redis is unreachable. */
  private async rollout(model: string): Promise<ReplicaRolloutStatus[]> {
    try {
      const reports = await this.redis.hgetall(rolloutKey(this.config.get('REDIS_PREFIX'), model));
      const freshAfter = Date.now() - ROLLOUT_REPORT_TTL_MS;
      return Object.values(reports)
        .map((raw) => JSON.parse(raw) as ReplicaRolloutStatus)
        .filter((report) => Date.parse(report.reported_at) >= freshAfter)
        .sort((a, b) => a.replica.localeCompare(b.replica));
    } catch (error) {
      this.logger.warn({ err: error, model }, 'could not read rollout status');
      return [];
    }
  }

  private async model(name: string): Promise<ModelEntity> {
    const model = await this.dataSource.manager.findOneBy(ModelEntity, { name });
    if (!model) throw new DomainError('MODEL_NOT_FOUND', `no model named "${name}"`);
    return model;
  }

  async describe(model: ModelEntity): Promise<{ deployment: DeploymentResponse; aliases: Map<string, AliasTarget> }> {
    const manager = this.dataSource.manager;
    const deployment = await manager.findOne(DeploymentEntity, {
      where: { modelId: model.id },
      relations: { previousChampion: true },
    });
    const aliases = await loadAliases(manager, model.id);
    return {
      aliases,
      deployment: {
        model: model.name,
        champion: versionRef(aliases.get(CHAMPION)?.version),
        challenger: versionRef(aliases.get(CHALLENGER)?.version),
        challenger_percent: percentFromBasisPoints(deployment?.challengerBp ?? 0),
        shadow: versionRef(aliases.get(SHADOW)?.version),
        shadow_percent: percentFromBasisPoints(deployment?.shadowBp ?? 0),
        previous_champion: versionRef(deployment?.previousChampion),
        revision: deployment?.revision ?? 0,
        updated_at: deployment?.updatedAt.toISOString() ?? null,
        updated_by: deployment?.updatedBy ?? null,
        rollout: await this.rollout(model.name),
      },
    };
  }

  async get(modelName: string): Promise<DeploymentResponse> {
    return (await this.describe(await this.model(modelName))).deployment;
  }

  /** Every change answers with the deployment as it now stands, its revision as the ETag. */
  async getWithEtag(modelName: string, reply: FastifyReply): Promise<DeploymentResponse> {
    const deployment = await this.get(modelName);
    void reply.header('ETag', `"${deployment.revision}"`);
    return deployment;
  }

  /** "Which version was champion at time T": the state after the last change made at or before T. */
  async at(modelName: string, at: Date): Promise<DeploymentAtResponse> {
    const model = await this.model(modelName);
    const entry = await this.dataSource.manager
      .createQueryBuilder(AuditEntryEntity, 'a')
      .where("a.model_id = :modelId AND a.scope = 'deployment' AND a.created_at <= :at", { modelId: model.id, at })
      .orderBy('a.id', 'DESC')
      .limit(1)
      .getOne();
    const state = (entry?.after as DeploymentState | undefined) ?? { champion: null, challenger: null, challenger_percent: 0, revision: 0, aliases: {}, batching: null };
    return { model: model.name, at: at.toISOString(), ...state };
  }

  /** The id its migration gave this registry's database; read once, it never changes. */
  async instanceId(): Promise<string> {
    if (!this.instance) {
      const [row] = await this.dataSource.manager.find(RegistryInstanceEntity, { take: 1 });
      if (!row) throw new Error('registry_instance has no row: the database was not migrated');
      this.instance = row.id;
    }
    return this.instance;
  }

  /** What every gateway needs to load every model that has a champion; the polling fallback and start-up read. */
  /** `visible`: the models a key limited to some may see (null: all). */
  async forGateways(visible: string[] | null = null): Promise<GatewayDeployment[]> {
    const manager = this.dataSource.manager;
    const deployments = await manager.find(DeploymentEntity, { relations: { model: true }, order: { modelId: 'ASC' } });
    const result: GatewayDeployment[] = [];
    for (const deployment of deployments) {
      if (visible !== null && !visible.includes(deployment.model!.name)) continue;
      const aliases = await loadAliases(manager, deployment.modelId);
      const champion = aliases.get(CHAMPION)?.version;
      if (!champion) continue;
      const challenger = aliases.get(CHALLENGER)?.version;
      const shadow = aliases.get(SHADOW)?.version;
      const name = deployment.model!.name;
      result.push({
        model: name,
        revision: deployment.revision,
        salt: deployment.salt,
        challenger_percent: percentFromBasisPoints(deployment.challengerBp),
        champion: loadable(name, champion),
        challenger: challenger ? loadable(name, challenger) : null,
        shadow: shadow ? loadable(name, shadow) : null,
        shadow_percent: percentFromBasisPoints(deployment.shadowBp),
        batching: deployment.model!.batching,
        task: deployment.model!.task ?? inferTask(champion.signature),
        labels: deployment.model!.labels,
        updated_at: deployment.updatedAt.toISOString(),
      });
    }
    return result.sort((a, b) => a.model.localeCompare(b.model));
  }
}
