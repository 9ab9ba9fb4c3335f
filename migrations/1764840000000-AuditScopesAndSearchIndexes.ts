import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The audit log records metadata edits beside deployment changes (`scope`, and the `version` an entry
 * is about), and the indexes that version and model searches use: versions of a model by creation
 * time, and tags by containment (`tag.team=risk` is `tags @> {"team": "risk"}`).
 */
export class AuditScopesAndSearchIndexes1764840000000 implements MigrationInterface {
  name = 'AuditScopesAndSearchIndexes1764840000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "audit_log" ADD "scope" character varying(16) NOT NULL DEFAULT 'deployment'`);
    await queryRunner.query(`ALTER TABLE "audit_log" ADD "version" integer`);
    await queryRunner.query(`CREATE INDEX "ix_model_versions_model_created" ON "model_versions" ("model_id", "created_at") `);
    await queryRunner.query(`CREATE INDEX "ix_model_versions_tags" ON "model_versions" USING gin (("metadata" -> 'tags') jsonb_path_ops)`);
    await queryRunner.query(`CREATE INDEX "ix_models_tags" ON "models" USING gin ("tags" jsonb_path_ops)`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "public"."ix_models_tags"`);
    await queryRunner.query(`DROP INDEX "public"."ix_model_versions_tags"`);
    await queryRunner.query(`DROP INDEX "public"."ix_model_versions_model_created"`);
    await queryRunner.query(`ALTER TABLE "audit_log" DROP COLUMN "version"`);
    await queryRunner.query(`ALTER TABLE "audit_log" DROP COLUMN "scope"`);
  }
}
