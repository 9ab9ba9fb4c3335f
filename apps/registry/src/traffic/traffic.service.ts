import { Injectable } from '@nestjs/common';
import { DomainError } from '@switchyard/errors';
import { ModelAliasEntity, ModelVersionEntity } from '@switchyard/persistence';
import { CHALLENGER, CHAMPION, DeploymentChangesService, pointAlias, promoteChallenger, SHADOW } from '@switchyard/deployment-changes';

export interface TrafficShares {
  challenger_percent?: number;
  shadow_percent?: number;
}

/** The challenger's share, promotion and rollback: the moves of an A/B test. */
@Injectable()
export class TrafficService {
  constructor(private readonly changes: DeploymentChangesService) {}

  /** Sets the challenger's share, the shadow's, or both in one change; a share left out stays as it is. */
  async setShares(modelName: string, shares: TrafficShares, actor: string, expectedRevision: number | 'any' | undefined): Promise<void> {
    if (shares.challenger_percent === undefined && shares.shadow_percent === undefined) {
      throw new DomainError('VALIDATION_FAILED', 'send challenger_percent, shadow_percent or both', {
        errors: [{ field: 'challenger_percent', message: 'send challenger_percent and/or shadow_percent' }],
      });
    }
    if (expectedRevision === undefined) {
      throw new DomainError('PRECONDITION_REQUIRED', 'send If-Match with the deployment revision you read (its ETag) so two operators cannot overwrite each other');
    }
    await this.changes.apply({ modelName, actor, action: 'traffic.set', expectedRevision }, async (context) => {
      const { challenger_percent: challenger, shadow_percent: shadow } = shares;
      if (challenger !== undefined && challenger > 0 && !context.aliases.has(CHALLENGER)) {
        throw new DomainError('NO_CHALLENGER', 'the model has no challenger to send traffic to; set the challenger alias first', {
          errors: [{ field: 'challenger_percent', message: 'the model has no challenger' }],
        });
      }
      if (shadow !== undefined && shadow > 0 && !context.aliases.has(SHADOW)) {
        throw new DomainError('NO_SHADOW', 'the model has no shadow to copy requests to; set the shadow alias first', {
          errors: [{ field: 'shadow_percent', message: 'the model has no shadow' }],
        });
      }
      if (challenger !== undefined) context.deployment.challengerBp = Math.round(challenger * 100);
      if (shadow !== undefined) context.deployment.shadowBp = Math.round(shadow * 100);
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
