import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Aliases, deployments (traffic policy with a revision), the audit log, and validation results on versions. */
export class AliasesDeploymentsAudit1764100000000 implements MigrationInterface {
    name = 'AliasesDeploymentsAudit1764100000000';

    public async up(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`CREATE TABLE "audit_log" ("id" BIGSERIAL NOT NULL, "model_id" uuid NOT NULL, "action" character varying(32) NOT NULL, "actor" character varying(200) NOT NULL, "reason" text, "before" jsonb NOT NULL, "after" jsonb NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_07fefa57f7f5ab8fc3f52b3ed0b" PRIMARY KEY ("id"))`);
        await queryRunner.query(`CREATE INDEX "ix_audit_log_model_id" ON "audit_log" ("model_id", "id")`);
        await queryRunner.query(`CREATE TABLE "deployments" ("model_id" uuid NOT NULL, "challenger_bp" integer NOT NULL DEFAULT '0', "salt" character varying(64) NOT NULL, "revision" bigint NOT NULL DEFAULT '0', "previous_champion_version_id" uuid, "updated_by" character varying(200) NOT NULL, "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_bd5203f2814cb186dc9561d5f4a" PRIMARY KEY ("model_id"))`);
        await queryRunner.query(`CREATE TABLE "model_aliases" ("id" uuid NOT NULL DEFAULT gen_random_uuid(), "model_id" uuid NOT NULL, "alias" character varying(32) NOT NULL, "version_id" uuid NOT NULL, "updated_by" character varying(200) NOT NULL, "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "uq_model_aliases_model_alias" UNIQUE ("model_id", "alias"), CONSTRAINT "PK_7ac276e33d7cdd4a2ad44c01099" PRIMARY KEY ("id"))`);
        await queryRunner.query(`ALTER TABLE "model_versions" ADD "validation" jsonb`);
        await queryRunner.query(`ALTER TABLE "model_versions" ADD "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now()`);
        await queryRunner.query(`ALTER TABLE "audit_log" ADD CONSTRAINT "FK_9df0e794b17f23b2ba660af79a7" FOREIGN KEY ("model_id") REFERENCES "models"("id") ON DELETE CASCADE ON UPDATE NO ACTION`);
        await queryRunner.query(`ALTER TABLE "deployments" ADD CONSTRAINT "FK_bd5203f2814cb186dc9561d5f4a" FOREIGN KEY ("model_id") REFERENCES "models"("id") ON DELETE CASCADE ON UPDATE NO ACTION`);
        await queryRunner.query(`ALTER TABLE "deployments" ADD CONSTRAINT "FK_84806f71d63f24dcb9ba16a99a6" FOREIGN KEY ("previous_champion_version_id") REFERENCES "model_versions"("id") ON DELETE SET NULL ON UPDATE NO ACTION`);
        await queryRunner.query(`ALTER TABLE "model_aliases" ADD CONSTRAINT "FK_843c2cb6e9239cc3891eb3b0c31" FOREIGN KEY ("model_id") REFERENCES "models"("id") ON DELETE CASCADE ON UPDATE NO ACTION`);
        await queryRunner.query(`ALTER TABLE "model_aliases" ADD CONSTRAINT "FK_feadc423f5a522ccf1b7b262c98" FOREIGN KEY ("version_id") REFERENCES "model_versions"("id") ON DELETE RESTRICT ON UPDATE NO ACTION`);
    }

    public async down(queryRunner: QueryRunner): Promise<void> {
        await queryRunner.query(`ALTER TABLE "model_aliases" DROP CONSTRAINT "FK_feadc423f5a522ccf1b7b262c98"`);
        await queryRunner.query(`ALTER TABLE "model_aliases" DROP CONSTRAINT "FK_843c2cb6e9239cc3891eb3b0c31"`);
        await queryRunner.query(`ALTER TABLE "deployments" DROP CONSTRAINT "FK_84806f71d63f24dcb9ba16a99a6"`);
        await queryRunner.query(`ALTER TABLE "deployments" DROP CONSTRAINT "FK_bd5203f2814cb186dc9561d5f4a"`);
        await queryRunner.query(`ALTER TABLE "audit_log" DROP CONSTRAINT "FK_9df0e794b17f23b2ba660af79a7"`);
        await queryRunner.query(`ALTER TABLE "model_versions" DROP COLUMN "updated_at"`);
        await queryRunner.query(`ALTER TABLE "model_versions" DROP COLUMN "validation"`);
        await queryRunner.query(`DROP TABLE "model_aliases"`);
        await queryRunner.query(`DROP TABLE "deployments"`);
        await queryRunner.query(`DROP INDEX "public"."ix_audit_log_model_id"`);
        await queryRunner.query(`DROP TABLE "audit_log"`);
    }
}
