import { Column, CreateDateColumn, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn, Unique, UpdateDateColumn } from 'typeorm';
import type { ModelSignature } from '@switchyard/onnx';
import type { InputExample } from '@switchyard/domain';
import { ModelEntity } from './model.entity';

export type { ModelSignature, TensorSpec } from '@switchyard/onnx';

export type VersionStatus = 'pending' | 'ready' | 'failed';

/** A version's one approval decision; null until someone decides. */
export type ApprovalDecision = 'approved' | 'rejected';

/** What the validation job measured when it loaded the artifact. */
export interface ValidationReport {
  runtime: string;
  load_ms: number;
  /** The smoke inference's time; null when no input ran (see warnings). */
  inference_ms: number | null;
  /** What the smoke inference ran: "input_example", or the synthetic input that ran; null when none did. */
  smoke_input: string | null;
  /**
   * What the uploader should know: what validation could not check (no synthetic input ran), and what
   * the version cannot do that its artifact declares (outputs that cannot be returned), each with how
   * to fix it. Empty when there is nothing to say; absent on versions validated before it existed.
   */
  warnings?: string[];
  validated_at: string;
  /** How the served graph differs from the artifact (a ZipMap's probability tensor served in its place); see servable-graph. */
  graph_changes?: string[];
}

export interface VersionMetadata {
  description?: string;
  tags?: Record<string, string>;
  metrics?: Record<string, number>;
  source?: string;
  input_example?: InputExample;
}

const bigintAsNumber = {
  to: (value: number) => value,
  from: (value: string | null) => (value === null ? null : Number(value)),
};

@Entity({ name: 'model_versions' })
@Unique('uq_model_versions_model_version', ['modelId', 'version'])
@Index('ix_model_versions_status_created', ['status', 'createdAt'])
@Index('ix_model_versions_model_created', ['modelId', 'createdAt'])
/** GIN over metadata->'tags' (jsonb_path_ops), for tag filters; an expression index, so kept by its migration only. */
@Index('ix_model_versions_tags', { synchronize: false })
export class ModelVersionEntity {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ name: 'model_id', type: 'uuid' })
  modelId: string;

  @ManyToOne(() => ModelEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'model_id' })
  model?: ModelEntity;

  @Column({ type: 'integer' })
  version: number;

  @Column({ type: 'varchar', length: 16, default: 'pending' })
  status: VersionStatus;

  @Column({ name: 'status_reason', type: 'text', nullable: true })
  statusReason: string | null;

  @Column({ type: 'char', length: 64 })
  sha256: string;

  @Column({ name: 'size_bytes', type: 'bigint', transformer: bigintAsNumber })
  sizeBytes: number;

  /** Where the bytes live: file:///abs/path or s3://bucket/key. */
  @Column({ name: 'artifact_uri', type: 'text' })
  artifactUri: string;

  @Column({ type: 'jsonb', nullable: true })
  signature: ModelSignature | null;

  @Column({ type: 'jsonb', default: {} })
  metadata: VersionMetadata;

  @Column({ type: 'jsonb', nullable: true })
  validation: ValidationReport | null;

  /** Validation runs started for this version; past VALIDATION_MAX_ATTEMPTS it is failed, not retried. */
  @Column({ name: 'validation_attempts', type: 'integer', default: 0 })
  validationAttempts: number;

  @Column({ type: 'varchar', length: 16, nullable: true })
  approval: ApprovalDecision | null;

  @Column({ name: 'approval_by', type: 'varchar', length: 200, nullable: true })
  approvalBy: string | null;

  @Column({ name: 'approval_reason', type: 'text', nullable: true })
  approvalReason: string | null;

  @Column({ name: 'approval_at', type: 'timestamptz', nullable: true })
  approvalAt: Date | null;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;

  @Column({ name: 'created_by', type: 'varchar', length: 200 })
  createdBy: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}
