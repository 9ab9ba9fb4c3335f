import type { BatchingConfig, ModelTask } from '@switchyard/domain';
import type { GuardrailConfig } from './guardrail';
import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';

@Entity({ name: 'models' })
/** GIN over tags (jsonb_path_ops), for tag filters; its method is not one TypeORM describes, so kept by its migration only. */
@Index('ix_models_tags', { synchronize: false })
export class ModelEntity {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ type: 'varchar', length: 63, unique: true })
  name: string;

  @Column({ type: 'text', default: '' })
  description: string;

  @Column({ type: 'jsonb', default: {} })
  tags: Record<string, string>;

  /** Dynamic batching for the model's versions in the gateways; null runs each request alone. */
  @Column({ type: 'jsonb', nullable: true })
  batching: BatchingConfig | null;

  /** Decides the outcome metric (mean or accuracy); null: inferred from the champion's outputs. */
  @Column({ type: 'varchar', length: 16, nullable: true })
  task: ModelTask | null;

  /** Class names, index → label, for a classifier whose output is a score per class. */
  @Column({ type: 'jsonb', nullable: true })
  labels: string[] | null;

  /** The A/B test's guardrail, evaluated by the worker; null: none. */
  @Column({ type: 'jsonb', nullable: true })
  guardrail: GuardrailConfig | null;

  /** Versions must be approved (by another key than their uploader's) before they take champion, challenger or shadow. */
  @Column({ name: 'require_approval', type: 'boolean', default: false })
  requireApproval: boolean;

  /** Highest version number ever handed out; versions are never renumbered or reused. */
  @Column({ name: 'last_version', type: 'integer', default: 0 })
  lastVersion: number;

  @Column({ name: 'created_by', type: 'varchar', length: 200 })
  createdBy: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
