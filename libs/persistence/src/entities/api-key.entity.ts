import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';
import type { Role } from '@switchyard/auth';

/** One API key. The secret is never stored: only a per-key salt and sha256(salt ‖ secret). */
@Entity({ name: 'api_keys' })
export class ApiKeyEntity {
  /** The `<id>` of `sy_<id>_<secret>`: lookups are by id, then the secret is checked against the hash. */
  @PrimaryColumn({ type: 'varchar', length: 12 })
  id: string;

  @Column({ type: 'varchar', length: 64 })
  name: string;

  @Column({ type: 'char', length: 32 })
  salt: string;

  @Column({ type: 'char', length: 64 })
  hash: string;

  @Column({ type: 'jsonb' })
  roles: Role[];

  /** Models the key is limited to; null for every model. */
  @Column({ type: 'jsonb', nullable: true })
  models: string[] | null;

  /** Requests per second through all the gateways together; null: no limit. */
  @Column({ name: 'rate_limit_per_second', type: 'double precision', nullable: true })
  rateLimitPerSecond: number | null;

  /** Requests at once before the rate applies; set exactly when the rate is. */
  @Column({ type: 'integer', nullable: true })
  burst: number | null;

  @Column({ name: 'created_by', type: 'varchar', length: 200 })
  createdBy: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @Column({ name: 'revoked_at', type: 'timestamptz', nullable: true })
  revokedAt: Date | null;

  @Column({ name: 'revoked_by', type: 'varchar', length: 200, nullable: true })
  revokedBy: string | null;
}
