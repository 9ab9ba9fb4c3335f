import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A prediction is (model, request id): a client-chosen X-Request-Id used on two models is two
 * predictions, and feedback joins the one of the model it names. Outcomes waiting for their prediction
 * carry the model too ('' for one accepted by an older gateway, which joins by request id alone).
 */
export class PredictionLogKeyedByModel1764600000000 implements MigrationInterface {
  name = 'PredictionLogKeyedByModel1764600000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "pending_outcomes" ADD "model_name" character varying(63) NOT NULL DEFAULT ''`);
    await queryRunner.query(`ALTER TABLE "pending_outcomes" ALTER COLUMN "model_name" DROP DEFAULT`);
    await queryRunner.query(`ALTER TABLE "pending_outcomes" DROP CONSTRAINT "PK_abf5936a8f5a9de55e9d08b7ffd"`);
    await queryRunner.query(`ALTER TABLE "pending_outcomes" ADD CONSTRAINT "PK_7f5460a2288d4c6f707b61f2702" PRIMARY KEY ("request_id", "model_name")`);
    await queryRunner.query(`ALTER TABLE "prediction_log" DROP CONSTRAINT "PK_baee9ecb8b4fe32d3ec3839f233"`);
    await queryRunner.query(`ALTER TABLE "prediction_log" ADD CONSTRAINT "PK_f13648ffbfb7ecf621af09aadf3" PRIMARY KEY ("model_name", "request_id")`);
  }

  /** Going back to one row per request id keeps, of an id used on several models, its earliest prediction. */
  public async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DELETE FROM "prediction_log" l USING "prediction_log" k WHERE l.request_id = k.request_id AND (l.predicted_at, l.model_name) > (k.predicted_at, k.model_name)`);
    await queryRunner.query(`ALTER TABLE "prediction_log" DROP CONSTRAINT "PK_f13648ffbfb7ecf621af09aadf3"`);
    await queryRunner.query(`ALTER TABLE "prediction_log" ADD CONSTRAINT "PK_baee9ecb8b4fe32d3ec3839f233" PRIMARY KEY ("request_id")`);
    await queryRunner.query(`DELETE FROM "pending_outcomes" p USING "pending_outcomes" q WHERE p.request_id = q.request_id AND (p.received_at, p.model_name) > (q.received_at, q.model_name)`);
    await queryRunner.query(`ALTER TABLE "pending_outcomes" DROP CONSTRAINT "PK_7f5460a2288d4c6f707b61f2702"`);
    await queryRunner.query(`ALTER TABLE "pending_outcomes" ADD CONSTRAINT "PK_abf5936a8f5a9de55e9d08b7ffd" PRIMARY KEY ("request_id")`);
    await queryRunner.query(`ALTER TABLE "pending_outcomes" DROP COLUMN "model_name"`);
  }
}
