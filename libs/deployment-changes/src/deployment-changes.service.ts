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
import { recordEvent, WebhookDispatcher } from '@switchyard/events';
import { DeploymentPublisher } from './deployment-publisher';
import { type AliasTarget, CHALLENGER, CHAMPION, deploymentState, loadAliases, SHADOW } from './deployment-state';
import { followManualChange } from './rollout-plan-guard';

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

/** The aliases that put a version in front of requests, so a model's approval gate guards them. */
const GATED_ALIASES = [CHAMPION, CHALLENGER, SHADOW];

/**
 * A model that requires approval lets no version newly take champion, challenger or shadow (by an alias
 * set, a promote, a rollout step…) unless it was approved. Rollback is exempt: it is the way back to
 * the version that served before, and an emergency must not wait for a review.
 */
function ensureApproved(before: Map<string, AliasTarget>, after: Map<string, AliasTarget>): void {
  for (const alias of GATED_ALIASES) {
    const version = after.get(alias)?.version;
    if (!version || version.id === before.get(alias)?.version.id || version.approval === 'approved') continue;
    const state = version.approval === 'rejected' ? `was rejected${version.approvalReason ? ` (${version.approvalReason})` : ''}` : 'is not approved';
    throw new DomainError('VERSION_NOT_APPROVED', `the model requires approval and version ${version.version} ${state}; it cannot take ${alias}`, {
      errors: [{ field: 'version', message: `version ${version.version} ${state}` }],
      extensions: { version: version.version, approval: version.approval },
    });
  }
}

/**
 * Every change to a model's aliases or traffic goes through here: one transaction that locks the
 * model's deployment row, checks the caller's revision, applies the change, increments the revision
 * and writes the audit entry and the `deployment.changed` event (and `guardrail.tripped` for a trip)
 * in the same transaction. Gateways and webhook deliveries are told after it commits.
 */
@Injectable()
export class DeploymentChangesService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly publisher: DeploymentPublisher,
    private readonly webhooks: WebhookDispatcher,
  ) {}

  async apply(request: ChangeRequest, change: (context: ChangeContext) => Promise<void>): Promise<DeploymentState> {
    const { state, modelName, deliveries } = await this.dataSource.transaction(async (manager) => {
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
      const afterAliases = await loadAliases(manager, model.id);
      if (model.requireApproval && request.action !== 'rollback') ensureApproved(aliases, afterAliases);

      deployment.revision += 1;
      deployment.updatedBy = request.actor;
      await manager.save(deployment);
      const after = deploymentState(deployment, afterAliases, model);
      await followManualChange(manager, model.id, { actor: request.actor, action: request.action, before, after });
      await manager.insert(AuditEntryEntity, {
        modelId: model.id,
        action: request.action,
        actor: request.actor,
        reason: request.reason ?? null,
        before,
        after,
      });
      const summary = { actor: request.actor, action: request.action, revision: after.revision, reason: request.reason ?? null };
      const deliveries = await recordEvent(manager, { type: 'deployment.changed', modelName: model.name, data: { model: model.name, ...summary, before, after } });
      if (request.action === 'guardrail.trip') {
        deliveries.push(...(await recordEvent(manager, { type: 'guardrail.tripped', modelName: model.name, data: { model: model.name, ...summary, guardrail: model.guardrail } })));
      }
      return { state: after, modelName: model.name, deliveries };
    });
    await this.publisher.publish({ model: modelName, revision: state.revision });
    await this.webhooks.notify(deliveries);
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
