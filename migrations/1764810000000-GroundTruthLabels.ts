import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Ground-truth labels beside business outcomes: the label joined to each prediction, labels that
 * arrive before their prediction, and the sums the rollups need for MAE, RMSE, accuracy, log loss
 * and AUC (score histograms per true class).
 */
export class GroundTruthLabels1764810000000 implements MigrationInterface {
  name = 'GroundTruthLabels1764810000000';

  public async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "prediction_log" ADD "label" jsonb`);
    await queryRunner.query(`ALTER TABLE "prediction_log" ADD "label_at" TIMESTAMP WITH TIME ZONE`);
    await queryRunner.query(
      `CREATE TABLE "pending_labels" ("model_name" character varying(63) NOT NULL, "request_id" character varying(128) NOT NULL, "label" jsonb NOT NULL, "label_index" integer, "received_at" TIMESTAMP WITH TIME ZONE NOT NULL, CONSTRAINT "PK_0e01f29e8bc84603ba4087f049b" PRIMARY KEY ("model_name", "request_id"))`,
    );
    for (const column of [
      `"label_count" bigint NOT NULL DEFAULT '0'`,
      `"label_abs_error_sum" double precision NOT NULL DEFAULT '0'`,
      `"label_squared_error_sum" double precision NOT NULL DEFAULT '0'`,
      `"label_squared_error_sum_squares" double precision NOT NULL DEFAULT '0'`,
      `"label_correct" bigint NOT NULL DEFAULT '0'`,
      `"label_log_loss_count" bigint NOT NULL DEFAULT '0'`,
      `"label_log_loss_sum" double precision NOT NULL DEFAULT '0'`,
      `"label_log_loss_sum_squares" double precision NOT NULL DEFAULT '0'`,
      `"label_scores_positive" jsonb NOT NULL DEFAULT '{}'`,
      `"label_scores_negative" jsonb NOT NULL DEFAULT '{}'`,
    ]) {
      await queryRunner.query(`ALTER TABLE "prediction_rollups" ADD ${column}`);
    }
  }

  public async down(queryRunner: QueryRunner): Promise<void> {
    for (const column of [
      'label_scores_negative',
      'label_scores_positive',
      'label_log_loss_sum_squares',
      'label_log_loss_sum',
      'label_log_loss_count',
      'label_correct',
      'label_squared_error_sum_squares',
      'label_squared_error_sum',
      'label_abs_error_sum',
      'label_count',
    ]) {
      await queryRunner.query(`ALTER TABLE "prediction_rollups" DROP COLUMN "${column}"`);
    }
    await queryRunner.query(`DROP TABLE "pending_labels"`);
    await queryRunner.query(`ALTER TABLE "prediction_log" DROP COLUMN "label_at"`);
    await queryRunner.query(`ALTER TABLE "prediction_log" DROP COLUMN "label"`);
  }
}
