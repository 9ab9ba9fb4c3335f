import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import type { OutputSummary } from '@switchyard/domain';

/**
 * One row per prediction, keyed by model and request id (and whether it is a shadow's copy) so ingestion is idempotent and a client-chosen
 * id used on two models is two predictions, neither able to take the other's place or outcome. Kept for the retention
 * period (PREDICTION_LOG_RETENTION_DAYS); statistics read the rollups, which outlive it.
 */
@Entity({ name: 'prediction_log' })
@Index('ix_prediction_log_predicted_at', ['predictedAt'])
export class PredictionLogEntity {
  @PrimaryColumn({ name: 'model_name', type: 'varchar', length: 63 })
  modelName: string;

  @PrimaryColumn({ name: 'request_id', type: 'varchar', length: 128 })
  requestId: string;

  /**
   * True for a shadow's answer to a copy of the request: it lives beside the caller's prediction under
   * the same request id (one of each at most), and feedback for the id reaches both.
   */
  @PrimaryColumn({ type: 'boolean', default: false })
  shadow: boolean;

  @Column({ type: 'integer' })
  version: number;

  @Column({ type: 'varchar', length: 16 })
  variant: string;

  @Column({ name: 'routing_key_hash', type: 'varchar', length: 32, nullable: true })
  routingKeyHash: string | null;

  @Column({ name: 'predicted_at', type: 'timestamptz' })
  predictedAt: Date;

  @Column({ name: 'latency_us', type: 'integer' })
  latencyUs: number;

  @Column({ type: 'smallint' })
  status: number;

  @Column({ type: 'varchar', length: 64, nullable: true })
  error: string | null;

  @Column({ type: 'jsonb', nullable: true })
  inputs: Record<string, number> | null;

  @Column({ type: 'jsonb', nullable: true })
  output: OutputSummary | null;

  @Column({ type: 'jsonb', nullable: true })
  payload: unknown;

  /** The outcome reported later through feedback; the first one reported counts. */
  @Column({ type: 'jsonb', nullable: true })
  outcome: number | string | null;

  @Column({ name: 'outcome_at', type: 'timestamptz', nullable: true })
  outcomeAt: Date | null;

  /** The ground truth reported later through feedback (a number, or a class name); the first one reported counts. */
  @Column({ type: 'jsonb', nullable: true })
  label: number | string | null;

  @Column({ name: 'label_at', type: 'timestamptz', nullable: true })
  labelAt: Date | null;
}

/** Feedback whose prediction has not been ingested yet; applied by the worker's sweep. */
@Entity({ name: 'pending_outcomes' })
export class PendingOutcomeEntity {
  /** '' for an outcome from a gateway that did not name the model (an older release): it joins by request id alone. */
  @PrimaryColumn({ name: 'model_name', type: 'varchar', length: 63 })
  modelName: string;

  @PrimaryColumn({ name: 'request_id', type: 'varchar', length: 128 })
  requestId: string;

  @Column({ type: 'jsonb' })
  value: number | string;

  @Column({ name: 'received_at', type: 'timestamptz' })
  receivedAt: Date;
}

/** Ground-truth labels whose prediction has not been ingested yet; applied by the worker's sweep. */
@Entity({ name: 'pending_labels' })
export class PendingLabelEntity {
  @PrimaryColumn({ name: 'model_name', type: 'varchar', length: 63 })
  modelName: string;

  @PrimaryColumn({ name: 'request_id', type: 'varchar', length: 128 })
  requestId: string;

  @Column({ type: 'jsonb' })
  label: number | string;

  /** A classifier's class index, when the gateway knew the model's classes. */
  @Column({ name: 'label_index', type: 'integer', nullable: true })
  labelIndex: number | null;

  @Column({ name: 'received_at', type: 'timestamptz' })
  receivedAt: Date;
}
