import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Redis } from 'ioredis';
import { DataSource } from 'typeorm';
import { judgeGuardrail, readComparedTraffic, RollupReader } from '@switchyard/analytics';
import { TypedConfig } from '@switchyard/config';
import { CHALLENGER, CHAMPION, DeploymentChangesService, loadAliases, modelTask, percentFromBasisPoints } from '@switchyard/deployment-changes';
import { isDomainError } from '@switchyard/errors';
import { DeploymentEntity, type GuardrailEvaluation, guardrailEvaluationKey, type ModelEntity } from '@switchyard/persistence';
import { REDIS_CLIENT } from '@switchyard/queues';
import { PeriodicTask } from '../periodic-task';

/** The audit log's actor for changes the guardrail makes. */
export const GUARDRAIL_ACTOR = 'guardrail';

/**
 * Every GUARDRAIL_INTERVAL_MS, judges each model that has a guardrail and a challenger with traffic;
 * a tripped guardrail sets the challenger's share to 0 in an audited change by `guardrail`, with the
 * reason. Several workers may evaluate at once: the change re-checks the share under the deployment's
 * row lock, so a challenger is stopped once.
 */
@Injectable()
export class GuardrailEvaluator implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(GuardrailEvaluator.name);
  private readonly task: PeriodicTask;
  private readonly evaluations: string;

  constructor(
    config: TypedConfig,
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly changes: DeploymentChangesService,
    @Inject(REDIS_CLIENT) private readonly redis: Redis,
  ) {
    this.evaluations = guardrailEvaluationKey(config.get('REDIS_PREFIX'));
    this.task = new PeriodicTask(
      config.get('GUARDRAIL_INTERVAL_MS'),
      () => this.evaluateAll(),
      (error) => this.logger.warn(`guardrail evaluation failed: ${(error as Error).message}`),
    );
  }

  onApplicationBootstrap(): void {
    this.task.start();
  }

  onModuleDestroy(): Promise<void> {
    return this.task.stop();
  }

  async evaluateAll(now = new Date()): Promise<void> {
    const deployments = await this.dataSource.manager
      .createQueryBuilder(DeploymentEntity, 'd')
      .innerJoinAndSelect('d.model', 'm')
      .where('m.guardrail IS NOT NULL')
      .getMany();
    for (const deployment of deployments) await this.evaluate(deployment.model!, deployment, now);
  }

  private async evaluate(model: ModelEntity, deployment: DeploymentEntity, now: Date): Promise<void> {
    const guardrail = model.guardrail!;
    if (deployment.challengerBp === 0) return this.remember(model.name, { state: 'idle', detail: 'no challenger traffic to guard', checked_at: now.toISOString() });
    const window = { from: new Date(now.getTime() - guardrail.window_minutes * 60_000), to: now };
    // Only the current challenger's traffic from while it ran beside the current champion is judged:
    // a challenger promoted in the window, or the one before it, is not held against this one.
    const manager = this.dataSource.manager;
    const aliases = await loadAliases(manager, model.id);
    const current = {
      champion: aliases.get(CHAMPION)?.version.version ?? null,
      challenger: aliases.get(CHALLENGER)?.version.version ?? null,
      challenger_percent: percentFromBasisPoints(deployment.challengerBp),
    };
    const variants = (await readComparedTraffic(new RollupReader(manager), manager, model, window, current))?.variants ?? [];
    const judgement = judgeGuardrail(
      guardrail,
      await modelTask(this.dataSource.manager, model),
      variants.find((v) => v.variant === 'champion'),
      variants.find((v) => v.variant === 'challenger'),
    );
    if (judgement.state === 'tripped') {
      try {
        await this.changes.apply({ modelName: model.name, actor: GUARDRAIL_ACTOR, action: 'guardrail.trip', reason: judgement.detail }, async (context) => {
          if (context.deployment.challengerBp === 0) throw new AlreadyStopped();
          context.deployment.challengerBp = 0;
        });
        this.logger.warn({ model: model.name, reason: judgement.detail }, 'guardrail tripped: challenger traffic set to 0');
      } catch (error) {
        if (!(error instanceof AlreadyStopped) && !isDomainError(error)) throw error;
      }
    }
    await this.remember(model.name, { ...judgement, checked_at: now.toISOString() });
  }


  private async remember(model: string, evaluation: GuardrailEvaluation): Promise<void> {
    await this.redis.hset(this.evaluations, model, JSON.stringify(evaluation)).catch(() => undefined);
  }
}

/** Another worker (or an operator) stopped the challenger first. */
class AlreadyStopped extends Error {}
