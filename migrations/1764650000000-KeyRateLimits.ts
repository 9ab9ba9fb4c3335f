import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Per-key rate limits: none unless an admin sets one (both null), replacing the gateway-wide default. */
export class KeyRateLimits1764650000000 implements MigrationInterface {
  name = 'KeyRateLimits1764650000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "api_keys" ADD "rate_limit_per_second" double precision`);
    await queryRunner.query(`ALTER TABLE "api_keys" ADD "burst" integer`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "api_keys" DROP COLUMN "burst"`);
    await queryRunner.query(`ALTER TABLE "api_keys" DROP COLUMN "rate_limit_per_second"`);
  }
}
