import { Column, Entity, JoinColumn, OneToOne, PrimaryColumn, UpdateDateColumn } from 'typeorm';
import { ModelEntity } from './model.entity';

const bigintAsNumber = {
  to: (value: number) => value,
  from: (value: string) => Number(value),
};

/**
 * One step of a rollout plan: exactly one of `challenger_percent` (real traffic to the challenger) and
 * `shadow_percent` (a copy of the champion's requests to the `shadow` alias), and what the step must
 * gather before the plan moves on.
 */
export interface RolloutStep {
  challenger_percent?: number;
  shadow_percent?: number;
  min_duration_seconds: number;
  /** Requests the step's candidate (challenger or shadow) must have served. */
  min_requests: number;
  /** Outcomes (feedback) on the challenger's predictions; shadow steps need none. */
  min_outcomes: number;
}

/** Each gate left null is not checked. */
export interface RolloutGates {
  /** Abort when the candidate's error rate exceeds the champion's by more than this (absolute, 0–1). */
  max_error_rate_increase: number | null;
  /** Abort when the candidate's p99 latency exceeds the champion's times this. */
  max_p99_latency_ratio: number | null;
  /** Non-inferiority margin δ ≥ 0 in the outcome's unit: abort when the challenger is proven worse than the champion − δ. */
  outcome_margin: number | null;
}

export type RolloutEnd = 'promote' | 'hold';

export interface RolloutPlanSpec {
  steps: RolloutStep[];
  gates: RolloutGates;
  /** Error bound of the always-valid test behind the outcome gate and the promotion. */
  alpha: number;
  end: RolloutEnd;
}

export type RolloutPlanState = 'active' | 'paused' | 'completed' | 'aborted' | 'cancelled' | 'held';

/** The figures of one variant over the step's window. */
export interface RolloutSideFigures {
  requests: number;
  error_rate: number | null;
  p99_ms: number | null;
  outcomes: number;
}

/** What the worker saw at its last evaluation of the plan, and what it decided. */
export interface RolloutEvidence {
  evaluated_at: string;
  /** The step judged (0-based). */
  step: number;
  window: { from: string; to: string };
  /** Which variant the step judges against the champion. */
  variant: 'challenger' | 'shadow';
  champion: RolloutSideFigures | null;
  /** The judged variant's figures; null: no samples yet. */
  candidate: RolloutSideFigures | null;
  outcome: {
    metric: string;
    /** Challenger − champion, oriented so that positive is better. */
    difference: number;
    margin: number;
    always_valid_p_value: number;
    decision: 'at_least_as_good' | 'worse_than_margin' | 'undecided';
  } | null;
  decision: string;
  detail: string;
}

/** A model's rollout plan (at most one, kept after it ends so its outcome stays readable). */
@Entity({ name: 'rollout_plans' })
export class RolloutPlanEntity {
  @PrimaryColumn({ name: 'model_id', type: 'uuid' })
  modelId: string;

  @OneToOne(() => ModelEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'model_id' })
  model?: ModelEntity;

  @Column({ type: 'jsonb' })
  spec: RolloutPlanSpec;

  @Column({ type: 'varchar', length: 16 })
  state: RolloutPlanState;

  /** 0-based index into spec.steps. */
  @Column({ name: 'current_step', type: 'integer' })
  currentStep: number;

  /** When the current step's change was applied; null while the worker has still to apply it. */
  @Column({ name: 'step_started_at', type: 'timestamptz', nullable: true })
  stepStartedAt: Date | null;

  @Column({ type: 'jsonb', nullable: true })
  evidence: RolloutEvidence | null;

  /** Why the plan is paused, aborted, held or completed. */
  @Column({ type: 'text', nullable: true })
  reason: string | null;

  /** The plan's ETag: increases on every change of the plan or its step, never on an evidence refresh. */
  @Column({ type: 'bigint', transformer: bigintAsNumber })
  revision: number;

  @Column({ name: 'updated_by', type: 'varchar', length: 200 })
  updatedBy: string;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
