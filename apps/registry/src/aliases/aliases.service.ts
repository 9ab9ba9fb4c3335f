import { Injectable } from '@nestjs/common';
import { DomainError } from '@switchyard/errors';
import { type ModelSignature, ModelAliasEntity, ModelVersionEntity } from '@switchyard/persistence';
import { signatureCompatibility } from '@switchyard/onnx';
import { CHALLENGER, CHAMPION, type ChangeContext, DeploymentChangesService, pointAlias, SHADOW, TRAFFIC_ALIASES } from '@switchyard/deployment-changes';
import type { SetAliasDto } from './dto/alias.dto';

export const ALIAS_PATTERN = /^[a-z][a-z0-9_-]{0,31}$/;

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

/**
 * A shadow runs the champion's decoded inputs as they are, so it must take exactly them. There is no
 * `force`: a shadow that cannot read the champion's requests would only log failures.
 */
function ensureShadowFits(champion: ModelSignature | null, shadow: ModelSignature | null, field: string, subject: string): void {
  if (!champion || !shadow) return;
  const differences = signatureCompatibility(champion, shadow).map((difference) => difference.replace('challenger', 'shadow'));
  if (differences.length) {
    throw new DomainError('SIGNATURE_INCOMPATIBLE', `${subject}: ${differences.join('; ')}`, {
      errors: [{ field, message: differences.join('; ') }],
      extensions: { differences },
    });
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
      if (alias === SHADOW) this.checkShadow(context, version);
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
    if (alias === CHAMPION) {
      // A new champion must still feed its shadow; `force` is for challengers, not shadows.
      const shadow = context.aliases.get(SHADOW)?.version;
      if (shadow) ensureShadowFits(version.signature, shadow.signature, 'version', `the shadow (version ${shadow.version}) cannot take this champion's requests; clear the shadow first`);
    }
    if (force) return;
    if (alias === CHALLENGER) ensureCompatible(champion!.signature, version.signature);
    else if (challenger) ensureCompatible(version.signature, challenger.signature);
  }

  /** A shadow is any ready version that takes the champion's inputs; it needs a champion to copy. */
  private checkShadow(context: ChangeContext, version: ModelVersionEntity): void {
    if (version.status !== 'ready') {
      throw new DomainError(
        'VERSION_NOT_READY',
        `version ${version.version} is ${version.status}${version.statusReason ? ` (${version.statusReason})` : ''}; only ready versions can shadow`,
        { errors: [{ field: 'version', message: `version ${version.version} is ${version.status}` }] },
      );
    }
    const champion = context.aliases.get(CHAMPION)?.version;
    if (!champion) throw new DomainError('NO_CHAMPION', 'set a champion before a shadow: the shadow receives copies of its requests');
    ensureShadowFits(champion.signature, version.signature, 'version', `version ${version.version} cannot shadow the champion (version ${champion.version}): its inputs differ`);
  }

  async remove(modelName: string, alias: string, actor: string, expectedRevision?: number | 'any'): Promise<void> {
    await this.changes.apply({ modelName, actor, action: 'alias.delete', expectedRevision }, async (context) => {
      const target = context.aliases.get(alias);
      if (!target) throw new DomainError('ALIAS_NOT_FOUND', `model "${modelName}" has no alias "${alias}"`);
      if (alias === CHAMPION && context.aliases.has(CHALLENGER)) {
        throw new DomainError('CHAMPION_REQUIRED', 'the model has a challenger: promote it or remove it before removing the champion');
      }
      if (alias === CHAMPION && context.aliases.has(SHADOW)) {
        throw new DomainError('CHAMPION_REQUIRED', 'the model has a shadow, which copies the champion\'s requests: remove the shadow before the champion');
      }
      // Without a challenger all traffic goes to the champion; without a shadow nothing is copied.
      if (alias === CHALLENGER) context.deployment.challengerBp = 0;
      if (alias === SHADOW) context.deployment.shadowBp = 0;
      await context.manager.delete(ModelAliasEntity, { id: target.alias.id });
    });
  }
}
