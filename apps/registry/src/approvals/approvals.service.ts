import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { DomainError } from '@switchyard/errors';
import { actorIdentity } from '@switchyard/http';
import { type ApprovalDecision, AuditEntryEntity, ModelVersionEntity } from '@switchyard/persistence';
import { ModelsService } from '../models/models.service';

/**
 * Approving or rejecting a version: one decision per version, by someone other than its uploader.
 * The decision is a conditional update (only while none is recorded), so of any number of concurrent
 * calls exactly one stands and the others get 409 naming it. The audit entry is in the same transaction.
 */
@Injectable()
export class ApprovalsService {
  constructor(
    private readonly models: ModelsService,
    @InjectDataSource() private readonly dataSource: DataSource,
  ) {}

  async decide(modelName: string, version: number, decision: ApprovalDecision, reason: string | null, actor: string): Promise<ModelVersionEntity> {
    const model = await this.models.getByName(modelName);
    return this.dataSource.transaction(async (manager) => {
      const found = await manager.findOneBy(ModelVersionEntity, { modelId: model.id, version });
      if (!found) throw new DomainError('VERSION_NOT_FOUND', `model "${modelName}" has no version ${version}`);
      if (actorIdentity(actor) === actorIdentity(found.createdBy)) {
        throw new DomainError('SELF_APPROVAL', `version ${version} was uploaded by ${found.createdBy}; another key must review it`, {
          errors: [{ field: 'version', message: 'uploaded by the key that is reviewing it' }],
        });
      }
      if (found.approval === null && decision === 'approved' && found.status !== 'ready') throw notReady(found);
      const updated = await manager
        .createQueryBuilder()
        .update(ModelVersionEntity)
        .set({ approval: decision, approvalBy: actor, approvalReason: reason, approvalAt: () => 'now()' })
        .where('id = :id AND approval IS NULL', { id: found.id })
        .andWhere(decision === 'approved' ? `status = 'ready'` : 'true')
        .execute();
      const current = await manager.findOneByOrFail(ModelVersionEntity, { id: found.id });
      if (updated.affected !== 1) {
        if (current.approval === null) throw notReady(current);
        throw new DomainError(
          'APPROVAL_ALREADY_DECIDED',
          `version ${version} was already ${current.approval} by ${current.approvalBy}; a decision is final: upload a new version to review again`,
          { errors: [{ field: 'version', message: `already ${current.approval}` }], extensions: { approval: presentApproval(current) } },
        );
      }
      await manager.save(
        manager.create(AuditEntryEntity, {
          modelId: model.id,
          action: decision === 'approved' ? 'version.approve' : 'version.reject',
          scope: 'version',
          version,
          actor,
          reason,
          before: { approval: null },
          after: { approval: decision },
        }),
      );
      return current;
    });
  }
}

function notReady(version: ModelVersionEntity): DomainError {
  return new DomainError('VERSION_NOT_READY', `version ${version.version} is ${version.status}; only a ready version can be approved`, {
    errors: [{ field: 'version', message: `is ${version.status}, not ready` }],
  });
}

export function presentApproval(version: ModelVersionEntity): { status: ApprovalDecision; by: string; reason: string | null; at: string } | null {
  if (version.approval === null) return null;
  return { status: version.approval, by: version.approvalBy ?? '', reason: version.approvalReason, at: (version.approvalAt ?? version.updatedAt).toISOString() };
}
