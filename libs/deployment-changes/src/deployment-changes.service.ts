import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { randomBytes } from 'node:crypto';
import { DataSource, type EntityManager } from 'typeorm';
import { DomainError } from '@switchyard/errors';
import {
  type DeploymentAuditAction,
  AuditEntryEntity,
  DeploymentEntity,
  type DeploymentState,
  ModelEntity,
} from '@switchyard/persistence';
import { DeploymentPublisher } from './deployment-publisher';
import { type AliasTarget, deploymentState, loadAliases } from './deployment-state';

export interface ChangeContext {
  manager: EntityManager;
  model: ModelEntity;
  deployment: DeploymentEntity;
  aliases: Map<string, AliasTarget>;
}

export interface ChangeRequest {
  modelName: string;
  actor: string;
  action: DeploymentAuditAction;
  /** The revision the caller read (If-Match); undefined when the route does not demand one. */
  expectedRevision?: number | 'any';
  reason?: string;
}

/**
 * Every change to a model's aliases or traffic goes through here: one transaction that locks the
 * model's deployment row, checks the caller's revision, applies the change, increments the revision
 * and writes the audit entry. Gateways are told after it commits.
 */
@Injectable()
export class DeploymentChangesService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly publisher: DeploymentPublisher,
  ) {}

  async apply(request: ChangeRequest, change: (context: ChangeContext) => Promise<void>): Promise<DeploymentState> {
    const { state, modelName } = await this.dataSource.transaction(async (manager) => {
      const model = await manager.findOneBy(ModelEntity, { name: request.modelName });
      if (!model) throw new DomainError('MODEL_NOT_FOUND', `no model named "${request.modelName}"`);
      const deployment = await this.lockDeployment(manager, model, request.actor);
      if (typeof request.expectedRevision === 'number' && request.expectedRevision !== deployment.revision) {
        throw new DomainError(
          'STALE_REVISION',
          `the deployment is at revision ${deployment.revision}, not ${request.expectedRevision}; read it again and retry with If-Match: "${deployment.revision}"`,
          { extensions: { current_revision: deployment.revision } },
        );
      }
      const aliases = await loadAliases(manager, model.id);
      const before = deploymentState(deployment, aliases, model);

      await change({ manager, model, deployment, aliases });

      deployment.revision += 1;
      deployment.updatedBy = request.actor;
      await manager.save(deployment);
      const after = deploymentState(deployment, await loadAliases(manager, model.id), model);
      await manager.insert(AuditEntryEntity, {
        modelId: model.id,
        action: request.action,
        actor: request.actor,
        reason: request.reason ?? null,
        before,
        after,
      });
      return { state: after, modelName: model.name };
    });
    await this.publisher.publish({ model: modelName, revision: state.revision });
    return state;
  }

  /** Creates the deployment row on first use, then takes the row lock that serialises changes. */
  private async lockDeployment(manager: EntityManager, model: ModelEntity, actor: string): Promise<DeploymentEntity> {
    await manager
      .createQueryBuilder()
      .insert()
      .into(DeploymentEntity)
      .values({ modelId: model.id, salt: randomBytes(8).toString('hex'), revision: 0, challengerBp: 0, updatedBy: actor })
      .orIgnore()
      .execute();
    return manager
      .createQueryBuilder(DeploymentEntity, 'd')
      .setLock('pessimistic_write')
      .where('d.model_id = :modelId', { modelId: model.id })
      .getOneOrFail();
  }
}
