import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { isShadowStep, stepLabel } from '@switchyard/analytics';
import { CHALLENGER, CHAMPION, type ChangeContext, DeploymentChangesService, lockRolloutPlan, SHADOW } from '@switchyard/deployment-changes';
import { DomainError, type FieldError } from '@switchyard/errors';
import { type DeploymentAuditAction, RolloutPlanEntity, type RolloutPlanSpec, type RolloutPlanState, type RolloutStep } from '@switchyard/persistence';
import { ModelsService } from '../models/models.service';
import type { RolloutPlanResponse, SetRolloutPlanDto } from './dto/rollout-plan.dto';

/** The plan revision a caller read (If-Match), `*`, or If-None-Match: * ("only if there is no plan"). */
export interface PlanPrecondition {
  ifMatch?: number | 'any';
  ifNoneMatch?: boolean;
}

const DEFAULTS = { min_duration_seconds: 600, min_requests: 500, min_outcomes: 100, alpha: 0.05, end: 'hold' as const };
const DEFAULT_GATES = { max_error_rate_increase: 0.01, max_p99_latency_ratio: 1.5, outcome_margin: 0 };

function invalid(errors: FieldError[]): DomainError {
  return new DomainError('VALIDATION_FAILED', errors.map((e) => `${e.field}: ${e.message}`).join('; '), { errors });
}

/** The plan as stored: defaults filled in, and the rules across steps that a DTO cannot say checked. */
export function planSpec(dto: SetRolloutPlanDto): RolloutPlanSpec {
  const errors: FieldError[] = [];
  const steps: RolloutStep[] = dto.steps.map((step, index) => {
    const field = `steps.${index}`;
    if ((step.challenger_percent === undefined) === (step.shadow_percent === undefined)) {
      errors.push({ field, message: 'a step has exactly one of challenger_percent and shadow_percent' });
    }
    return {
      ...(step.challenger_percent !== undefined ? { challenger_percent: step.challenger_percent } : {}),
      ...(step.shadow_percent !== undefined ? { shadow_percent: step.shadow_percent } : {}),
      min_duration_seconds: step.min_duration_seconds ?? dto.min_duration_seconds ?? DEFAULTS.min_duration_seconds,
      min_requests: step.min_requests ?? dto.min_requests ?? DEFAULTS.min_requests,
      min_outcomes: step.min_outcomes ?? dto.min_outcomes ?? DEFAULTS.min_outcomes,
    };
  });
  let previous: { kind: 'shadow' | 'challenger'; percent: number } | null = null;
  steps.forEach((step, index) => {
    if (step.challenger_percent !== undefined && step.shadow_percent !== undefined) return;
    const kind = isShadowStep(step) ? 'shadow' : 'challenger';
    const percent = (kind === 'shadow' ? step.shadow_percent : step.challenger_percent)!;
    const field = `steps.${index}.${kind}_percent`;
    if (previous?.kind === 'challenger' && kind === 'shadow') {
      errors.push({ field, message: 'shadow steps come before the challenger takes real traffic' });
    } else if (previous?.kind === kind && percent <= previous.percent) {
      errors.push({ field, message: `steps must increase: ${percent} % follows ${previous.percent} %` });
    }
    previous = { kind, percent };
  });
  const end = dto.end ?? DEFAULTS.end;
  if (end === 'promote' && errors.length === 0 && isShadowStep(steps[steps.length - 1])) {
    errors.push({ field: 'end', message: 'a plan that promotes ends with a challenger step: the promotion needs the challenger\'s outcomes' });
  }
  if (errors.length > 0) throw invalid(errors);
  return {
    steps,
    gates: {
      max_error_rate_increase: dto.gates?.max_error_rate_increase === undefined ? DEFAULT_GATES.max_error_rate_increase : dto.gates.max_error_rate_increase,
      max_p99_latency_ratio: dto.gates?.max_p99_latency_ratio === undefined ? DEFAULT_GATES.max_p99_latency_ratio : dto.gates.max_p99_latency_ratio,
      outcome_margin: dto.gates?.outcome_margin === undefined ? DEFAULT_GATES.outcome_margin : dto.gates.outcome_margin,
    },
    alpha: dto.alpha ?? DEFAULTS.alpha,
    end,
  };
}

function stale(plan: RolloutPlanEntity | null, detail: string): DomainError {
  return new DomainError('STALE_REVISION', detail, { extensions: { current_revision: plan?.revision ?? null } });
}

/**
 * A model's rollout plan: set (with If-Match on the plan's own revision), read, paused, resumed and
 * cancelled here, each audited as a deployment change; the worker moves it from step to step.
 */
@Injectable()
export class RolloutPlansService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly models: ModelsService,
    private readonly changes: DeploymentChangesService,
  ) {}

  async get(name: string): Promise<RolloutPlanResponse> {
    const model = await this.models.getByName(name);
    const plan = await this.dataSource.manager.findOneBy(RolloutPlanEntity, { modelId: model.id });
    if (!plan) throw new DomainError('ROLLOUT_PLAN_NOT_FOUND', `model "${name}" has no rollout plan; set one with PUT /v1/models/${name}/rollout-plan`);
    return present(model.name, plan, new Date());
  }

  async set(name: string, dto: SetRolloutPlanDto, actor: string, precondition: PlanPrecondition): Promise<RolloutPlanResponse> {
    const spec = planSpec(dto);
    const reason = `rollout plan: ${spec.steps.map(stepLabel).join(' → ')}, then ${spec.end}`;
    await this.changes.apply({ modelName: name, actor, action: 'rollout_plan.set', reason }, async (context) => {
      const existing = await lockRolloutPlan(context.manager, context.model.id);
      checkPrecondition(existing, precondition);
      requireVariants(context, spec);
      await context.manager.save(RolloutPlanEntity, {
        modelId: context.model.id,
        spec,
        state: 'active',
        currentStep: 0,
        stepStartedAt: null,
        evidence: null,
        reason: null,
        revision: (existing?.revision ?? 0) + 1,
        updatedBy: actor,
      });
    });
    return this.get(name);
  }

  pause(name: string, actor: string, precondition: PlanPrecondition, why?: string): Promise<RolloutPlanResponse> {
    return this.move(name, actor, 'rollout_plan.pause', precondition, ['active'], { state: 'paused', reason: `paused by ${actor}${why ? `: ${why}` : ''}` }, why);
  }

  /** Re-applies the current step (the deployment may have been changed while paused) and restarts its clock. */
  resume(name: string, actor: string, precondition: PlanPrecondition, why?: string): Promise<RolloutPlanResponse> {
    return this.move(name, actor, 'rollout_plan.resume', precondition, ['paused'], { state: 'active', reason: null, stepStartedAt: null }, why);
  }

  /** Stops the plan where it stands; the deployment is left as it is, for the operator to take over. */
  cancel(name: string, actor: string, precondition: PlanPrecondition): Promise<RolloutPlanResponse> {
    return this.move(name, actor, 'rollout_plan.cancel', precondition, ['active', 'paused', 'held'], { state: 'cancelled', reason: `cancelled by ${actor}` });
  }

  private async move(
    name: string,
    actor: string,
    action: DeploymentAuditAction,
    precondition: PlanPrecondition,
    from: RolloutPlanState[],
    to: Partial<RolloutPlanEntity>,
    why?: string,
  ): Promise<RolloutPlanResponse> {
    await this.changes.apply({ modelName: name, actor, action, reason: why }, async (context) => {
      const plan = await lockRolloutPlan(context.manager, context.model.id);
      if (!plan) throw new DomainError('ROLLOUT_PLAN_NOT_FOUND', `model "${name}" has no rollout plan`);
      // If-Match is optional on these moves, as on promote and rollback.
      if (precondition.ifMatch !== undefined) checkPrecondition(plan, { ifMatch: precondition.ifMatch });
      if (!from.includes(plan.state)) {
        throw new DomainError('ROLLOUT_PLAN_STATE', `the rollout plan is ${plan.state}; this needs it ${from.join(' or ')}`, { extensions: { state: plan.state } });
      }
      await context.manager.update(RolloutPlanEntity, { modelId: plan.modelId }, { ...to, revision: plan.revision + 1, updatedBy: actor });
    });
    return this.get(name);
  }
}

/**
 * Replacing a plan needs If-Match with its revision (428 without, 412 when stale), so two operators
 * cannot overwrite each other; creating the first needs nothing, or If-None-Match: * to refuse
 * (412) when someone else created one first.
 */
function checkPrecondition(existing: RolloutPlanEntity | null, { ifMatch, ifNoneMatch }: PlanPrecondition): void {
  if (existing) {
    if (ifNoneMatch) throw stale(existing, `the model already has a rollout plan (revision ${existing.revision}); read it and send If-Match: "${existing.revision}" to replace it`);
    if (ifMatch === undefined) {
      throw new DomainError('PRECONDITION_REQUIRED', `the model has a rollout plan: send If-Match with its revision (ETag "${existing.revision}") so two operators cannot overwrite each other`);
    }
    if (ifMatch !== 'any' && ifMatch !== existing.revision) {
      throw stale(existing, `the rollout plan is at revision ${existing.revision}, not ${ifMatch}; read it again and retry with If-Match: "${existing.revision}"`);
    }
  } else if (ifMatch !== undefined) {
    throw stale(null, 'the model has no rollout plan to match; create one without If-Match (or with If-None-Match: *)');
  }
}

function requireVariants(context: ChangeContext, spec: RolloutPlanSpec): void {
  if (!context.aliases.has(CHAMPION)) {
    throw new DomainError('NO_CHAMPION', 'a rollout plan needs a champion and a challenger; set the champion alias first', { errors: [{ field: 'champion', message: 'the model has no champion' }] });
  }
  if (!context.aliases.has(CHALLENGER)) {
    throw new DomainError('NO_CHALLENGER', 'a rollout plan needs a challenger to roll out; set the challenger alias first', { errors: [{ field: 'challenger', message: 'the model has no challenger' }] });
  }
  const shadowStep = spec.steps.findIndex(isShadowStep);
  if (shadowStep >= 0 && !context.aliases.has(SHADOW)) {
    throw new DomainError('NO_SHADOW', 'the plan has a shadow step but the model has no shadow alias; point the shadow alias at the version to shadow first', {
      errors: [{ field: `steps.${shadowStep}.shadow_percent`, message: 'the model has no shadow alias' }],
    });
  }
}

export function present(model: string, plan: RolloutPlanEntity, now: Date): RolloutPlanResponse {
  const evidence = plan.evidence && plan.stepStartedAt && plan.evidence.step === plan.currentStep ? plan.evidence : null;
  const candidate = evidence?.candidate ?? null;
  return {
    model,
    state: plan.state,
    steps: plan.spec.steps,
    current_step: plan.currentStep,
    step_started_at: plan.stepStartedAt?.toISOString() ?? null,
    samples: {
      requests: candidate?.requests ?? 0,
      outcomes: candidate?.outcomes ?? 0,
      elapsed_seconds: plan.stepStartedAt ? Math.max(0, Math.floor((now.getTime() - plan.stepStartedAt.getTime()) / 1_000)) : null,
    },
    gates: plan.spec.gates,
    end: plan.spec.end,
    alpha: plan.spec.alpha,
    evidence: plan.evidence as unknown as Record<string, unknown> | null,
    reason: plan.reason,
    revision: plan.revision,
    updated_at: plan.updatedAt.toISOString(),
    updated_by: plan.updatedBy,
  };
}
