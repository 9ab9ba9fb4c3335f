import { Column, Entity, JoinColumn, ManyToOne, OneToOne, PrimaryColumn, UpdateDateColumn } from 'typeorm';
import { ModelEntity } from './model.entity';
import { ModelVersionEntity } from './model-version.entity';

const bigintAsNumber = {
  to: (value: number) => value,
  from: (value: string) => Number(value),
};

/**
 * The traffic policy of one model. Champion and challenger are the aliases of those names; this row
 * holds the split, the experiment salt, the previous champion (for rollback) and the revision that
 * every change increments (optimistic concurrency through If-Match).
 */
@Entity({ name: 'deployments' })
export class DeploymentEntity {
  @PrimaryColumn({ name: 'model_id', type: 'uuid' })
  modelId: string;

  @OneToOne(() => ModelEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'model_id' })
  model?: ModelEntity;

  /** Challenger share in basis points (0–10,000): 12.5 % is 1250. */
  @Column({ name: 'challenger_bp', type: 'integer', default: 0 })
  challengerBp: number;

  /** Share of the champion's requests copied to the `shadow` alias, in basis points (0–10,000). */
  @Column({ name: 'shadow_bp', type: 'integer', default: 0 })
  shadowBp: number;

  /** Mixed into the routing hash so each experiment reshuffles which callers see the challenger. */
  @Column({ type: 'varchar', length: 64 })
  salt: string;

  @Column({ type: 'bigint', default: 0, transformer: bigintAsNumber })
  revision: number;

  @Column({ name: 'previous_champion_version_id', type: 'uuid', nullable: true })
  previousChampionVersionId: string | null;

  @ManyToOne(() => ModelVersionEntity, { onDelete: 'SET NULL' })
  @JoinColumn({ name: 'previous_champion_version_id' })
  previousChampion?: ModelVersionEntity | null;

  @Column({ name: 'updated_by', type: 'varchar', length: 200 })
  updatedBy: string;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
