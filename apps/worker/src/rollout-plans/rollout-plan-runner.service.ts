import { Injectable, Logger, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { buildStatsReport, decideRollout, isShadowStep, readComparedTraffic, readShadowAggregates, type RolloutDecision, type RolloutFigures, rolloutFigures, RollupReader } from '@switchyard/analytics';
import { TypedConfig } from '@switchyard/config';
import {
  CHALLENGER,
  CHAMPION,
  type ChangeContext,
  DeploymentChangesService,
  loadAliases,
  lockRolloutPlan,
  modelTask,
  percentFromBasisPoints,
  promoteChallenger,
  ROLLOUT_PLAN_ACTOR,
  SHADOW,
} from '@switchyard/deployment-changes';
import { isDomainError } from '@switchyard/errors';
import { type DeploymentAuditAction, DeploymentEntity, type ModelEntity, type RolloutEvidence, RolloutPlanEntity } from '@switchyard/persistence';
import { PeriodicTask } from '../periodic-task';

/** The plan moved on under us (another worker stepped it, or an operator paused, replaced or cancelled it). */
class PlanMoved extends Error {}

/** The plan's next step cannot be applied (its challenger or shadow is gone): the plan is aborted with this reason. */
class PlanCannotRun extends Error {}

const NO_FIGURES: RolloutFigures = { champion: null, candidate: null, outcome: null };
const basisPoints = (percent: number) => Math.round(percent * 100);

/**
 * Every ROLLOUT_INTERVAL_MS, judges each active rollout plan on the figures of its current step and
 * applies what `decideRollout` says, each move an ordinary deployment change by `rollout-plan`.
 *
 * Exactly once: the change locks the deployment row, then the plan row, and goes ahead only if the
 * plan is still active at the revision this worker judged; the plan's new step is written in the same
 * transaction as the traffic change. So two workers never both step a plan, and a worker killed
 * mid-change leaves either both written or neither, for the next evaluation to take up.
 */
@Injectable()
export class RolloutPlanRunner implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(RolloutPlanRunner.name);
  private readonly task: PeriodicTask;

  constructor(
    config: TypedConfig,
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly changes: DeploymentChangesService,
  ) {
    this.task = new PeriodicTask(
      config.get('ROLLOUT_INTERVAL_MS'),
      () => this.advanceAll(),
      (error) => this.logger.warn(`rollout plan evaluation failed: ${(error as Error).message}`),
    );
  }

  onApplicationBootstrap(): void {
    this.task.start();
  }

  onModuleDestroy(): Promise<void> {
    return this.task.stop();
  }

  async advanceAll(now = new Date()): Promise<void> {
    const plans = await this.dataSource.manager.find(RolloutPlanEntity, { where: { state: 'active' }, relations: { model: true } });
    for (const plan of plans) {
      try {
        await this.advance(plan, now);
      } catch (error) {
        // One model's trouble (say, a deleted model) must not hold the other plans back.
        this.logger.warn({ err: error, model: plan.model?.name }, 'could not advance a rollout plan');
      }
    }
  }

  private async advance(plan: RolloutPlanEntity, now: Date): Promise<void> {
    const model = plan.model!;
    if (plan.stepStartedAt === null) {
      const start = decideRollout(plan.spec, { step: plan.currentStep, stepStartedAt: null }, NO_FIGURES, now);
      if (start.action !== 'wait') await this.act(model, plan, start, null, now);
      return;
    }
    const { figures, window } = await this.figures(model, plan, now);
    const decision = decideRollout(plan.spec, { step: plan.currentStep, stepStartedAt: plan.stepStartedAt }, figures, now);
    const evidence: RolloutEvidence = {
      evaluated_at: now.toISOString(),
      step: plan.currentStep,
      window: { from: window.from.toISOString(), to: window.to.toISOString() },
      variant: isShadowStep(plan.spec.steps[plan.currentStep]) ? 'shadow' : 'challenger',
      champion: figures.champion,
      candidate: figures.candidate,
      outcome: figures.outcome,
      decision: decision.action,
      detail: decision.action === 'wait' ? decision.detail : decision.reason,
    };
    if (decision.action === 'wait') {
      // Only the evidence changes: no revision bump, so an operator's If-Match stays good while a step gathers.
      await this.dataSource.manager
        .createQueryBuilder()
        .update(RolloutPlanEntity)
        .set({ evidence })
        .where('model_id = :modelId AND revision = :revision AND state = :state', { modelId: plan.modelId, revision: plan.revision, state: 'active' })
        .execute();
      return;
    }
    await this.act(model, plan, decision, evidence, now);
  }

  /**
   * The step's figures from the stats report over the step's window. Rollups are per minute, so the
   * window starts at the minute the step began: a step shorter than a minute is judged with the
   * moments of that minute before it began.
   */
  private async figures(model: ModelEntity, plan: RolloutPlanEntity, now: Date) {
    const manager = this.dataSource.manager;
    const window = { from: new Date(Math.floor(plan.stepStartedAt!.getTime() / 60_000) * 60_000), to: now };
    const reader = new RollupReader(manager);
    const [variants, task, deployment, aliases, shadows] = await Promise.all([
      reader.variants(model.name, window),
      modelTask(manager, model),
      manager.findOneByOrFail(DeploymentEntity, { modelId: model.id }),
      loadAliases(manager, model.id),
      readShadowAggregates(manager, model.name, window),
    ]);
    const current = {
      champion: aliases.get(CHAMPION)?.version.version ?? null,
      challenger: aliases.get(CHALLENGER)?.version.version ?? null,
      challenger_percent: percentFromBasisPoints(deployment.challengerBp),
    };
    const report = buildStatsReport({
      // The gates, like the stats API, judge only traffic from while both current versions were live.
      compared: await readComparedTraffic(reader, manager, model, window, current),
      model: model.name,
      window,
      task,
      deployment: current,
      variants,
      reference: { ...window, requests: 0, inputs: {} },
      series: [],
      stepSeconds: 60,
      shadows,
      shadowVersion: aliases.get(SHADOW)?.version.version ?? null,
    });
    return { window, figures: rolloutFigures(report, variants, plan.spec, plan.spec.steps[plan.currentStep]) };
  }

  private async act(model: ModelEntity, plan: RolloutPlanEntity, decision: Exclude<RolloutDecision, { action: 'wait' }>, evidence: RolloutEvidence | null, now: Date): Promise<void> {
    try {
      switch (decision.action) {
        case 'apply':
        case 'advance':
          await this.change(model, plan, 'rollout.step', decision.reason, async (context) => {
            const step = plan.spec.steps[decision.step];
            if (!context.aliases.has(CHAMPION) || !context.aliases.has(CHALLENGER)) throw new PlanCannotRun('the model no longer has a champion and a challenger');
            if (isShadowStep(step) && !context.aliases.has(SHADOW)) throw new PlanCannotRun('the model no longer has a shadow alias');
            context.deployment.challengerBp = isShadowStep(step) ? 0 : basisPoints(step.challenger_percent!);
            context.deployment.shadowBp = isShadowStep(step) ? basisPoints(step.shadow_percent!) : 0;
            return { currentStep: decision.step, stepStartedAt: now, evidence, reason: null };
          });
          break;
        case 'abort':
          await this.abort(model, plan, decision.reason, evidence);
          break;
        case 'promote':
          await this.change(model, plan, 'promote', decision.reason, async (context) => {
            await promoteChallenger(context, ROLLOUT_PLAN_ACTOR);
            context.deployment.shadowBp = 0;
            return { state: 'completed', evidence, reason: decision.reason };
          });
          break;
        case 'hold':
          await this.change(model, plan, 'rollout.hold', decision.reason, async () => ({ state: 'held', evidence, reason: decision.reason }));
          break;
      }
      this.logger.log({ model: model.name, action: decision.action, reason: decision.reason }, 'rollout plan moved');
    } catch (error) {
      if (error instanceof PlanMoved) return;
      if (error instanceof PlanCannotRun) return this.abort(model, plan, `rollout plan aborted: ${error.message}`, evidence);
      if (isDomainError(error)) {
        this.logger.warn({ model: model.name, err: error }, 'rollout plan step refused');
        return;
      }
      throw error;
    }
  }

  /** The challenger (and the shadow) back to 0 %, and the plan marked aborted with the reason. */
  private async abort(model: ModelEntity, plan: RolloutPlanEntity, reason: string, evidence: RolloutEvidence | null): Promise<void> {
    try {
      await this.change(model, plan, 'rollout.abort', reason, async (context) => {
        context.deployment.challengerBp = 0;
        context.deployment.shadowBp = 0;
        return { state: 'aborted', evidence, reason };
      });
      this.logger.warn({ model: model.name, reason }, 'rollout plan aborted: challenger and shadow set to 0 %');
    } catch (error) {
      if (!(error instanceof PlanMoved)) throw error;
    }
  }

  /** One deployment change by `rollout-plan` that also moves the plan, only if the plan is still where this worker judged it. */
  private async change(
    model: ModelEntity,
    plan: RolloutPlanEntity,
    action: DeploymentAuditAction,
    reason: string,
    apply: (context: ChangeContext) => Promise<Partial<RolloutPlanEntity>>,
  ): Promise<void> {
    await this.changes.apply({ modelName: model.name, actor: ROLLOUT_PLAN_ACTOR, action, reason }, async (context) => {
      const current = await lockRolloutPlan(context.manager, model.id);
      if (!current || current.state !== 'active' || current.revision !== plan.revision) throw new PlanMoved();
      const update = await apply(context);
      await context.manager.update(RolloutPlanEntity, { modelId: model.id }, { ...update, revision: plan.revision + 1, updatedBy: ROLLOUT_PLAN_ACTOR });
    });
  }
}
