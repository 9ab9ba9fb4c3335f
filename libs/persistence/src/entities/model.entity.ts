import type { BatchingConfig } from '../../../queues/src/deployment-contract';
import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';

@Entity({ name: 'models' })
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
