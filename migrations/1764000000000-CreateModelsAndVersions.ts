import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Models and their immutable versions (issue: registry foundation). */
export class CreateModelsAndVersions1764000000000 implements MigrationInterface {
  name = 'CreateModelsAndVersions1764000000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "models" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "name" character varying(63) NOT NULL, "description" text NOT NULL DEFAULT '', "tags" jsonb NOT NULL DEFAULT '{}'::jsonb, "last_version" integer NOT NULL DEFAULT '0', "created_by" character varying(200) NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "UQ_3492c71396207453cf17c0928fb" UNIQUE ("name"), CONSTRAINT "PK_ef9ed7160ea69013636466bf2d5" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE TABLE "model_versions" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "model_id" uuid NOT NULL, "version" integer NOT NULL, "status" character varying(16) NOT NULL DEFAULT 'pending', "status_reason" text, "sha256" character(64) NOT NULL, "size_bytes" bigint NOT NULL, "artifact_uri" text NOT NULL, "signature" jsonb, "metadata" jsonb NOT NULL DEFAULT '{}'::jsonb, "created_by" character varying(200) NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "uq_model_versions_model_version" UNIQUE ("model_id", "version"), CONSTRAINT "PK_77c0256872dcc26394dba4b87ec" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(`CREATE INDEX "ix_model_versions_status_created" ON "model_versions" ("status", "created_at")`);
    await queryRunner.query(
      `ALTER TABLE "model_versions" ADD CONSTRAINT "FK_fead214f52c09e2c599ec3a8444" FOREIGN KEY ("model_id") REFERENCES "models"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "model_versions" DROP CONSTRAINT "FK_fead214f52c09e2c599ec3a8444"`);
    await queryRunner.query(`DROP INDEX "public"."ix_model_versions_status_created"`);
    await queryRunner.query(`DROP TABLE "model_versions"`);
    await queryRunner.query(`DROP TABLE "models"`);
  }
}
