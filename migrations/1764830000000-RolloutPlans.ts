import type { MigrationInterface, QueryRunner } from 'typeorm';

/** One rollout plan per model: its steps, gates and end, where it stands, and the evidence of its last evaluation. */
export class RolloutPlans1764830000000 implements MigrationInterface {
  name = 'RolloutPlans1764830000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "rollout_plans" ("model_id" uuid NOT NULL, "spec" jsonb NOT NULL, "state" character varying(16) NOT NULL, "current_step" integer NOT NULL, "step_started_at" TIMESTAMP WITH TIME ZONE, "evidence" jsonb, "reason" text, "revision" bigint NOT NULL, "updated_by" character varying(200) NOT NULL, "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_1f7f5fae5185cde2b78afd40248" PRIMARY KEY ("model_id"))`,
    );
    await queryRunner.query(
      `ALTER TABLE "rollout_plans" ADD CONSTRAINT "FK_1f7f5fae5185cde2b78afd40248" FOREIGN KEY ("model_id") REFERENCES "models"("id") ON DELETE CASCADE ON UPDATE NO ACTION`,
    );
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "rollout_plans" DROP CONSTRAINT "FK_1f7f5fae5185cde2b78afd40248"`);
    await queryRunner.query(`DROP TABLE "rollout_plans"`);
  }
}
