import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The secret a rotation replaced, kept until it expires: deliveries are signed with both meanwhile, so
 * a receiver verifies them before and after it installs the new one.
 */
export class WebhookSecretOverlap1764840000004 implements MigrationInterface {
  name = 'WebhookSecretOverlap1764840000004';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "webhooks" ADD "previous_secret" text`);
    await queryRunner.query(`ALTER TABLE "webhooks" ADD "previous_secret_expires_at" TIMESTAMP WITH TIME ZONE`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "webhooks" DROP COLUMN "previous_secret_expires_at"`);
    await queryRunner.query(`ALTER TABLE "webhooks" DROP COLUMN "previous_secret"`);
  }
}
