import { Injectable } from '@nestjs/common';
import { DomainError } from '@switchyard/errors';
import { type ModelSignature, ModelAliasEntity, ModelVersionEntity } from '@switchyard/persistence';
import { signatureCompatibility } from '@switchyard/onnx';
import { CHALLENGER, CHAMPION, type ChangeContext, DeploymentChangesService, TRAFFIC_ALIASES } from '@switchyard/deployment-changes';
import type { SetAliasDto } from './dto/alias.dto';

export const ALIAS_PATTERN = /^[a-z][a-z0-9_-]{0,31}$/;

/** Points an alias at a version of the model, in place (one row per model and alias). */
export async function pointAlias(context: ChangeContext, alias: string, version: ModelVersionEntity, actor: string): Promise<void> {
  await context.manager.upsert(
    ModelAliasEntity,
    { modelId: context.model.id, alias, versionId: version.id, updatedBy: actor },
    { conflictPaths: ['modelId', 'alias'] },
  );
}

function ensureCompatible(champion: ModelSignature | null, challenger: ModelSignature | null): void {
  if (!champion || !challenger) return;
  const differences = signatureCompatibility(champion, challenger);
  if (differences.length) {
    throw new DomainError(
      'SIGNATURE_INCOMPATIBLE',
      `the challenger cannot serve the champion's requests: ${differences.join('; ')}. Send "force": true to set it anyway.`,
      { extensions: { differences } },
    );
  }
}

@Injectable()
export class AliasesService {
  constructor(private readonly changes: DeploymentChangesService) {}

  async set(modelName: string, alias: string, dto: SetAliasDto, actor: string, expectedRevision?: number | 'any'): Promise<void> {
    await this.changes.apply({ modelName, actor, action: 'alias.set', expectedRevision, reason: dto.reason }, async (context) => {
      const version = await context.manager.findOneBy(ModelVersionEntity, { modelId: context.model.id, version: dto.version });
      if (!version) throw new DomainError('VERSION_NOT_FOUND', `model "${modelName}" has no version ${dto.version}`);
      if (TRAFFIC_ALIASES.includes(alias)) this.checkTrafficAlias(context, alias, version, dto.force === true);
      const current = context.aliases.get(CHAMPION)?.version;
      if (alias === CHAMPION && current && current.id !== version.id) {
        context.deployment.previousChampionVersionId = current.id;
      }
      await pointAlias(context, alias, version, actor);
    });
  }

  private checkTrafficAlias(context: ChangeContext, alias: string, version: ModelVersionEntity, force: boolean): void {
    if (version.status !== 'ready') {
      throw new DomainError(
        'VERSION_NOT_READY',
        `version ${version.version} is ${version.status}${version.statusReason ? ` (${version.statusReason})` : ''}; only ready versions can take ${alias}`,
      );
    }
    const champion = context.aliases.get(CHAMPION)?.version;
    const challenger = context.aliases.get(CHALLENGER)?.version;
    if (alias === CHALLENGER && !champion) {
      throw new DomainError('NO_CHAMPION', 'set a champion before a challenger');
    }
    if (force) return;
    if (alias === CHALLENGER) ensureCompatible(champion!.signature, version.signature);
    else if (challenger) ensureCompatible(version.signature, challenger.signature);
  }

  async remove(modelName: string, alias: string, actor: string, expectedRevision?: number | 'any'): Promise<void> {
    await this.changes.apply({ modelName, actor, action: 'alias.delete', expectedRevision }, async (context) => {
      const target = context.aliases.get(alias);
      if (!target) throw new DomainError('ALIAS_NOT_FOUND', `model "${modelName}" has no alias "${alias}"`);
      if (alias === CHAMPION && context.aliases.has(CHALLENGER)) {
        throw new DomainError('CHAMPION_REQUIRED', 'the model has a challenger: promote it or remove it before removing the champion');
      }
      // Without a challenger all traffic goes to the champion.
      if (alias === CHALLENGER) context.deployment.challengerBp = 0;
      await context.manager.delete(ModelAliasEntity, { id: target.alias.id });
    });
  }
}
