import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The registry's identity, a random id made once per database: gateways stamp their deployment
 * snapshot with it and refuse a snapshot taken from another registry.
 */
export class RegistryInstance1764700000000 implements MigrationInterface {
  name = 'RegistryInstance1764700000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE TABLE "registry_instance" ("id" uuid NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_42349d43486413f813e846e51e4" PRIMARY KEY ("id"))`);
    await queryRunner.query(`INSERT INTO "registry_instance" ("id") VALUES (gen_random_uuid())`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "registry_instance"`);
  }
}
