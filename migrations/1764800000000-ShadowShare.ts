import type { MigrationInterface, QueryRunner } from 'typeorm';

/** The share of the champion's requests copied to the `shadow` alias, in basis points like the challenger's. */
export class ShadowShare1764800000000 implements MigrationInterface {
  name = 'ShadowShare1764800000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "deployments" ADD "shadow_bp" integer NOT NULL DEFAULT '0'`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "deployments" DROP COLUMN "shadow_bp"`);
  }
}
