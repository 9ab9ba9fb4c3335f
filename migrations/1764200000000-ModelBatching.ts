import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Per-model dynamic batching settings for the gateways (null: no batching). */
export class ModelBatching1764200000000 implements MigrationInterface {
  name = 'ModelBatching1764200000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "models" ADD "batching" jsonb`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "models" DROP COLUMN "batching"`);
  }
}
