import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Counts validation runs per version, so a model that crashes or hangs the validator is failed, not retried forever. */
export class ValidationAttempts1764400000000 implements MigrationInterface {
  name = 'ValidationAttempts1764400000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "model_versions" ADD "validation_attempts" integer NOT NULL DEFAULT '0'`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "model_versions" DROP COLUMN "validation_attempts"`);
  }
}
