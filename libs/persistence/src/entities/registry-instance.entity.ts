import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * The registry's identity: one row, created by its migration with a random id, so a gateway can tell
 * this registry (this database) from another one answering on the same URL, and never serve a
 * deployment snapshot taken from a different system.
 */
@Entity({ name: 'registry_instance' })
export class RegistryInstanceEntity {
  @PrimaryColumn({ type: 'uuid' })
  id: string;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt: Date;
}
