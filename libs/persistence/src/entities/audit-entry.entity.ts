import type { BatchingConfig, ModelTask } from '@switchyard/domain';
import type { GuardrailConfig } from './guardrail';
import { Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';
import { ModelEntity } from './model.entity';

export type DeploymentAuditAction =
  | 'alias.set'
  | 'alias.delete'
  | 'traffic.set'
  | 'promote'
  | 'rollback'
  | 'batching.set'
  | 'task.set'
  | 'guardrail.set'
  | 'guardrail.trip'
  | 'rollout_plan.set'
  | 'rollout_plan.pause'
  | 'rollout_plan.resume'
  | 'rollout_plan.cancel'
  | 'rollout.step'
  | 'rollout.abort'
  | 'rollout.hold';
export type MetadataAuditAction = 'model.update' | 'version.update' | 'version.approve' | 'version.reject';
export type AuditAction = DeploymentAuditAction | MetadataAuditAction;

/** What an entry is about: the deployment (before and after are DeploymentStates), a model's or a version's metadata. */
export type AuditScope = 'deployment' | 'model' | 'version';

/** The fields of a model or a version that an edit or a decision changed, as they were and as they became. */
export type MetadataSnapshot = Record<string, unknown>;

/** What a model's deployment looked like before or after a change. */
export interface DeploymentState {
  champion: number | null;
  challenger: number | null;
  challenger_percent: number;
  /** Absent from entries written before shadows existed. */
  shadow?: number | null;
  shadow_percent?: number;
  revision: number;
  /** Every alias (labels included) → version number. */
  aliases: Record<string, number>;
  batching?: BatchingConfig | null;
  task?: ModelTask | null;
  labels?: string[] | null;
  guardrail?: GuardrailConfig | null;
}

/** One row per change, written in the same transaction as the change. Append-only. */
@Entity({ name: 'audit_log' })
@Index('ix_audit_log_model_id', ['modelId', 'id'])
export class AuditEntryEntity {
  /** bigint, so TypeORM returns it as a string; the API presents it as a number. */
  @PrimaryGeneratedColumn('increment', { type: 'bigint' })
  id: string;

  @Column({ name: 'model_id', type: 'uuid' })
  modelId: string;

  @ManyToOne(() => ModelEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'model_id' })
  model?: ModelEntity;

  @Column({ type: 'varchar', length: 32 })
  action: AuditAction;

  @Column({ type: 'varchar', length: 16, default: 'deployment' })
  scope: AuditScope;

  /** The version number a `version` entry is about; null otherwise. */
  @Column({ type: 'integer', nullable: true })
  version: number | null;

  @Column({ type: 'varchar', length: 200 })
  actor: string;

  @Column({ type: 'text', nullable: true })
  reason: string | null;

  @Column({ type: 'jsonb' })
  before: DeploymentState | MetadataSnapshot;

  @Column({ type: 'jsonb' })
  after: DeploymentState | MetadataSnapshot;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}
