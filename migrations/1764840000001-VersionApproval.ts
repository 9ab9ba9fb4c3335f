import type { MigrationInterface, QueryRunner } from 'typeorm';

/** A model may require approval before a version takes champion, challenger or shadow; each version records its one decision. */
export class VersionApproval1764840000001 implements MigrationInterface {
  name = 'VersionApproval1764840000001';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "models" ADD "require_approval" boolean NOT NULL DEFAULT false`);
    await queryRunner.query(`ALTER TABLE "model_versions" ADD "approval" character varying(16)`);
    await queryRunner.query(`ALTER TABLE "model_versions" ADD "approval_by" character varying(200)`);
    await queryRunner.query(`ALTER TABLE "model_versions" ADD "approval_reason" text`);
    await queryRunner.query(`ALTER TABLE "model_versions" ADD "approval_at" TIMESTAMP WITH TIME ZONE`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "model_versions" DROP COLUMN "approval_at"`);
    await queryRunner.query(`ALTER TABLE "model_versions" DROP COLUMN "approval_reason"`);
    await queryRunner.query(`ALTER TABLE "model_versions" DROP COLUMN "approval_by"`);
    await queryRunner.query(`ALTER TABLE "model_versions" DROP COLUMN "approval"`);
    await queryRunner.query(`ALTER TABLE "models" DROP COLUMN "require_approval"`);
  }
}
