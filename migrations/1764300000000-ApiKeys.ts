import type { MigrationInterface, QueryRunner } from 'typeorm';

/** API keys: id, name, salt and hash of the secret (never the secret), roles, model limits, revocation. */
export class ApiKeys1764300000000 implements MigrationInterface {
  name = 'ApiKeys1764300000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE TABLE "api_keys" ("id" character varying(12) NOT NULL, "name" character varying(64) NOT NULL, "salt" character(32) NOT NULL, "hash" character(64) NOT NULL, "roles" jsonb NOT NULL, "models" jsonb, "created_by" character varying(200) NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "revoked_at" TIMESTAMP WITH TIME ZONE, "revoked_by" character varying(200), CONSTRAINT "PK_5c8a79801b44bd27b79228e1dad" PRIMARY KEY ("id"))`);
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "api_keys"`);
  }
}
