import { Column, Entity, JoinColumn, ManyToOne, PrimaryGeneratedColumn, Unique, UpdateDateColumn } from 'typeorm';
import { ModelEntity } from './model.entity';
import { ModelVersionEntity } from './model-version.entity';

/**
 * An alias is a row (MLflow's model): unique per model, pointing at one version. `champion` and
 * `challenger` drive traffic; any other name is a label.
 */
@Entity({ name: 'model_aliases' })
@Unique('uq_model_aliases_model_alias', ['modelId', 'alias'])
export class ModelAliasEntity {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ name: 'model_id', type: 'uuid' })
  modelId: string;

  @ManyToOne(() => ModelEntity, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'model_id' })
  model?: ModelEntity;

  @Column({ type: 'varchar', length: 32 })
  alias: string;

  @Column({ name: 'version_id', type: 'uuid' })
  versionId: string;

  // RESTRICT: a version an alias points at cannot disappear underneath it.
  @ManyToOne(() => ModelVersionEntity, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'version_id' })
  version?: ModelVersionEntity;

  @Column({ name: 'updated_by', type: 'varchar', length: 200 })
  updatedBy: string;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
