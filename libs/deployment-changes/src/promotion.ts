import { DomainError } from '@switchyard/errors';
import { ModelAliasEntity, type ModelVersionEntity } from '@switchyard/persistence';
import type { ChangeContext } from './deployment-changes.service';
import { CHALLENGER, CHAMPION } from './deployment-state';

/** Points an alias at a version of the model, in place (one row per model and alias). */
export async function pointAlias(context: ChangeContext, alias: string, version: ModelVersionEntity, actor: string): Promise<void> {
  await context.manager.upsert(
    ModelAliasEntity,
    { modelId: context.model.id, alias, versionId: version.id, updatedBy: actor },
    { conflictPaths: ['modelId', 'alias'] },
  );
}

/**
 * The promote change, for an operator's `POST …/promote` and a rollout plan's end alike: the
 * challenger becomes champion, the old champion is remembered for rollback, the challenger is cleared.
 */
export async function promoteChallenger(context: ChangeContext, actor: string): Promise<void> {
  const challenger = context.aliases.get(CHALLENGER);
  if (!challenger) throw new DomainError('NO_CHALLENGER', 'the model has no challenger to promote');
  const champion = context.aliases.get(CHAMPION);
  if (champion) context.deployment.previousChampionVersionId = champion.version.id;
  await pointAlias(context, CHAMPION, challenger.version, actor);
  await context.manager.delete(ModelAliasEntity, { id: challenger.alias.id });
  context.deployment.challengerBp = 0;
}
