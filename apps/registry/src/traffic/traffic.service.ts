import { Injectable } from '@nestjs/common';
import { DomainError } from '@switchyard/errors';
import { ModelAliasEntity, ModelVersionEntity } from '@switchyard/persistence';
import { CHALLENGER, CHAMPION, DeploymentChangesService, pointAlias, promoteChallenger } from '@switchyard/deployment-changes';

/** The challenger's share, promotion and rollback: the moves of an A/B test. */
@Injectable()
export class TrafficService {
  constructor(private readonly changes: DeploymentChangesService) {}

  async setChallengerPercent(modelName: string, percent: number, actor: string, expectedRevision: number | 'any' | undefined): Promise<void> {
    if (expectedRevision === undefined) {
      throw new DomainError('PRECONDITION_REQUIRED', 'send If-Match with the deployment revision you read (its ETag) so two operators cannot overwrite each other');
    }
    await this.changes.apply({ modelName, actor, action: 'traffic.set', expectedRevision }, async (context) => {
      if (percent > 0 && !context.aliases.has(CHALLENGER)) {
        throw new DomainError('NO_CHALLENGER', 'the model has no challenger to send traffic to; set the challenger alias first');
      }
      context.deployment.challengerBp = Math.round(percent * 100);
    });
  }

  /** The challenger becomes champion; the old champion is remembered for rollback. */
  async promote(modelName: string, actor: string, expectedRevision?: number | 'any', reason?: string): Promise<void> {
    await this.changes.apply({ modelName, actor, action: 'promote', expectedRevision, reason }, (context) => promoteChallenger(context, actor));
  }

  /**
   * The previous champion returns and the challenger is cleared (a rollback is a move to safety).
   * The replaced champion becomes the previous one, so a second rollback undoes the first.
   */
  async rollback(modelName: string, actor: string, expectedRevision?: number | 'any', reason?: string): Promise<void> {
    await this.changes.apply({ modelName, actor, action: 'rollback', expectedRevision, reason }, async (context) => {
      const previousId = context.deployment.previousChampionVersionId;
      const previous = previousId ? await context.manager.findOneBy(ModelVersionEntity, { id: previousId }) : null;
      if (!previous) throw new DomainError('NO_PREVIOUS_CHAMPION', 'the model has no previous champion to return to');
      const champion = context.aliases.get(CHAMPION);
      context.deployment.previousChampionVersionId = champion?.version.id ?? null;
      await pointAlias(context, CHAMPION, previous, actor);
      const challenger = context.aliases.get(CHALLENGER);
      if (challenger) await context.manager.delete(ModelAliasEntity, { id: challenger.alias.id });
      context.deployment.challengerBp = 0;
    });
  }
}
