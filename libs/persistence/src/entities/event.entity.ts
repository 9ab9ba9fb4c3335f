import { Column, CreateDateColumn, Entity, Generated, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn } from 'typeorm';

/**
 * What happened, written in the same transaction as the change that caused it (an outbox): a change
 * that committed always has its event, and an event never describes a change that rolled back.
 * `id` orders events; `uid` is the public id receivers deduplicate by.
 */
@Entity({ name: 'events' })
@Index('ix_events_model_id', ['modelName', 'id'])
export class EventEntity {
  @PrimaryGeneratedColumn('increment', { type: 'bigint' })
  id: string;

  @Column({ type: 'uuid', unique: true })
  @Generated('uuid')
  uid: string;

  @Column({ type: 'varchar', length: 40 })
  type: string;

  /** The model's name, kept after the model is deleted: an event is history. */
  @Column({ name: 'model_name', type: 'varchar', length: 63 })
  modelName: string;

  @Column({ type: 'jsonb' })
  data: Record<string, unknown>;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}

@Entity({ name: 'webhooks' })
export class WebhookEntity {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ type: 'text' })
  url: string;

  /** Event types it receives. */
  @Column({ type: 'jsonb' })
  events: string[];

  /** Only this model's events; null: every model's. */
  @Column({ type: 'varchar', length: 63, nullable: true })
  model: string | null;

  /** `whsec_<base64>`: the HMAC key, needed in clear to sign; never returned after creation. */
  @Column({ type: 'text' })
  secret: string;

  /** The secret the last rotation replaced: deliveries are signed with it too until it expires. */
  @Column({ name: 'previous_secret', type: 'text', nullable: true })
  previousSecret: string | null;

  @Column({ name: 'previous_secret_expires_at', type: 'timestamptz', nullable: true })
  previousSecretExpiresAt: Date | null;

  @Column({ name: 'created_by', type: 'varchar', length: 200 })
  createdBy: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}

export type DeliveryStatus = 'pending' | 'delivered' | 'failed';

export interface DeliveryAttempt {
  at: string;
  /** The receiver's status code; null when no answer came (refused, timed out, address refused). */
  status_code: number | null;
  error: string | null;
  duration_ms: number;
}

/**
 * One event for one webhook: delivered in event order per (webhook, model), each attempt logged. Indexed
 * by event too, for the cascade when the retention deletes an event.
 */
@Entity({ name: 'webhook_deliveries' })
@Index('ix_webhook_deliveries_queue', ['webhookId', 'modelName', 'status', 'eventId'])
@Index('ix_webhook_deliveries_webhook', ['webhookId', 'id'])
@Index('ix_webhook_deliveries_event', ['eventId'])
export class WebhookDeliveryEntity {
  @PrimaryGeneratedColumn('increment', { type: 'bigint' })
  id: string;

  @Column({ name: 'webhook_id', type: 'uuid' })
  webhookId: string;

  @ManyToOne(() => WebhookEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'webhook_id' })
  webhook?: WebhookEntity;

  @Column({ name: 'event_id', type: 'bigint' })
  eventId: string;

  @ManyToOne(() => EventEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'event_id' })
  event?: EventEntity;

  @Column({ name: 'model_name', type: 'varchar', length: 63 })
  modelName: string;

  @Column({ type: 'varchar', length: 16, default: 'pending' })
  status: DeliveryStatus;

  @Column({ type: 'integer', default: 0 })
  attempts: number;

  /** Every attempt, oldest first. */
  @Column({ name: 'attempt_log', type: 'jsonb', default: [] })
  attemptLog: DeliveryAttempt[];

  @Column({ name: 'delivered_at', type: 'timestamptz', nullable: true })
  deliveredAt: Date | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}
