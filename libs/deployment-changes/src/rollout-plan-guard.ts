import type { EntityManager } from 'typeorm';
import { type AuditAction, type DeploymentState, RolloutPlanEntity } from '@switchyard/persistence';

/** The audit log's actor for the changes a rollout plan makes. */
export const ROLLOUT_PLAN_ACTOR = 'rollout-plan';

/** What a rollout plan steers: a change to any of these by someone else takes the wheel from it. */
const STEERED: Array<keyof DeploymentState> = ['champion', 'challenger', 'challenger_percent', 'shadow', 'shadow_percent'];

/**
 * A person (or the guardrail) who moves the champion, challenger, shadow or their shares while a plan
 * is active pauses the plan, in the same transaction, with a reason that names who and what: the plan
 * never silently overrides a manual change (Flagger and Argo Rollouts do the same). Resuming re-applies
 * the plan's current step. A person's promotion completes a plan held for them.
 */
export async function followManualChange(
  manager: EntityManager,
  modelId: string,
  change: { actor: string; action: AuditAction; before: DeploymentState; after: DeploymentState },
): Promise<void> {
  if (change.actor === ROLLOUT_PLAN_ACTOR) return;
  if (change.action === 'promote') {
    // The person a held plan waits for has decided: the plan is done.
    await manager
      .createQueryBuilder()
      .update(RolloutPlanEntity)
      .set({ state: 'completed', reason: `completed: ${change.actor} promoted the challenger`, revision: () => 'revision + 1', updatedBy: change.actor })
      .where('model_id = :modelId AND state = :state', { modelId, state: 'held' })
      .execute();
  }
  const moved = STEERED.filter((field) => (change.before[field] ?? null) !== (change.after[field] ?? null));
  if (moved.length === 0) return;
  const reason = `paused: ${change.actor} changed ${moved.join(', ')} (${change.action}) while the plan was running; resume to re-apply its current step`;
  await manager
    .createQueryBuilder()
    .update(RolloutPlanEntity)
    .set({ state: 'paused', reason, revision: () => 'revision + 1', updatedBy: change.actor })
    .where('model_id = :modelId AND state = :state', { modelId, state: 'active' })
    .execute();
}

/** Locks a model's plan row; taken after the deployment row, the one lock order every plan change keeps. */
export function lockRolloutPlan(manager: EntityManager, modelId: string): Promise<RolloutPlanEntity | null> {
  return manager.createQueryBuilder(RolloutPlanEntity, 'p').setLock('pessimistic_write').where('p.model_id = :modelId', { modelId }).getOne();
}
