import type { EntityManager } from 'typeorm';
import type { Counts } from '@switchyard/persistence';
import type { ComparedTraffic } from './stats-report';
import { bothLiveRanges, type DeploymentPhase, type MinuteSplit, type TimeRange, type WeightTimeline } from './weight-timeline';

/** Everything the rollups hold about one variant over a window: sufficient statistics and merged histograms. */
export interface VariantAggregate {
  variant: string;
  versions: number[];
  requests: number;
  errors: number;
  latency: Counts;
  outputCount: number;
  outputSum: number;
  outputSumSquares: number;
  outputLabels: Counts;
  outcomeCount: number;
  outcomeSum: number;
  outcomeSumSquares: number;
  outcomeCorrect: number;
  /** Sums over the predictions with a ground-truth label joined (model quality). */
  labels: LabelSums;
  /** input → histogram on the drift grid. */
  inputs: Record<string, Counts>;
}

/** The rollups' label columns summed: see PredictionRollupEntity. */
export interface LabelSums {
  count: number;
  absErrorSum: number;
  squaredErrorSum: number;
  squaredErrorSumSquares: number;
  correct: number;
  logLossCount: number;
  logLossSum: number;
  logLossSumSquares: number;
  scoresPositive: Counts;
  scoresNegative: Counts;
}

export const NO_LABELS: LabelSums = {
  count: 0,
  absErrorSum: 0,
  squaredErrorSum: 0,
  squaredErrorSumSquares: 0,
  correct: 0,
  logLossCount: 0,
  logLossSum: 0,
  logLossSumSquares: 0,
  scoresPositive: {},
  scoresNegative: {},
};

export interface SeriesPoint {
  at: Date;
  variant: string;
  requests: number;
  errors: number;
  latency: Counts;
  outcomeCount: number;
  outcomeSum: number;
  outcomeCorrect: number;
}

export interface Window {
  from: Date;
  to: Date;
}

/**
 * Only the champion's rollups of one version and the challenger's of another, in some minute ranges:
 * the traffic from while both current versions were live in their roles.
 */
export interface BothLive {
  champion: number;
  challenger: number;
  ranges: TimeRange[];
}

/** SQL condition and parameters (from $2 on; $1 is the model) for a window or a both-live restriction. */
function scope(window: Window, live: BothLive | undefined, rollupTable = true): { where: string; params: unknown[] } {
  const params: unknown[] = [window.from.toISOString(), window.to.toISOString()];
  let where = `model_name = $1 AND minute >= $2 AND minute < $3`;
  if (live) {
    params.push(live.ranges.map((r) => r.from.toISOString()), live.ranges.map((r) => r.to.toISOString()));
    where += ` AND EXISTS (SELECT 1 FROM unnest($4::timestamptz[], $5::timestamptz[]) AS live(from_minute, to_minute) WHERE minute >= live.from_minute AND minute < live.to_minute)`;
    if (rollupTable) {
      params.push(live.champion, live.challenger);
      where += ` AND ((variant = 'champion' AND version = $6) OR (variant = 'challenger' AND version = $7))`;
    } else {
      where += ` AND variant IN ('champion', 'challenger')`;
    }
  }
  return { where, params };
}

const num = (value: unknown) => Number(value ?? 0);

/**
 * Reads the per-minute rollups (never the raw log) for a model and window. Histograms are merged in
 * SQL so the work grows with the number of rollup rows, not of predictions. Their values are whole
 * counts (the worker adds ones, and switchyard_merge_counts sums them), summed as bigint: as numeric,
 * the week of latency buckets in bench scenario 10 took 190 ms, as bigint 140 (the same answer).
 */
export class RollupReader {
  constructor(private readonly manager: EntityManager) {}

  /**
   * The window's variants and its series together. A variant's latency histogram over the window is
   * the sum of its series points' (the same rollup rows), so the latency buckets, the heaviest read
   * (about 40 per rollup row), are read once: the stats of bench scenario 10 read them twice before.
   */
  async variantsAndSeries(model: string, window: Window, stepSeconds: number): Promise<{ variants: VariantAggregate[]; series: SeriesPoint[] }> {
    const [variants, series] = await Promise.all([this.variants(model, window, undefined, false), this.series(model, window, stepSeconds)]);
    const latency = new Map<string, Counts>();
    for (const point of series) {
      let counts = latency.get(point.variant);
      if (!counts) latency.set(point.variant, (counts = {}));
      for (const key in point.latency) counts[key] = (counts[key] ?? 0) + point.latency[key];
    }
    for (const variant of variants) variant.latency = latency.get(variant.variant) ?? {};
    return { variants, series };
  }

  /**
   * Per variant over the window; with `live`, only the champion and challenger traffic of those versions
   * and minutes. Without `withLatency`, latency histograms are left empty (variantsAndSeries adds them).
   */
  async variants(model: string, window: Window, live?: BothLive, withLatency = true): Promise<VariantAggregate[]> {
    const { where, params: scoped } = scope(window, live);
    const params = [model, ...scoped];
    // Input rollups carry no version: restricted to the minutes only.
    const inputScope = scope(window, live, false);
    const [totals, latency, labels, scoresPositive, scoresNegative, inputs] = await Promise.all([
      this.manager.query(
        `SELECT variant, array_agg(DISTINCT version ORDER BY version) AS versions,
                sum(requests) AS requests, sum(errors) AS errors,
                sum(output_count) AS output_count, sum(output_sum) AS output_sum, sum(output_sum_squares) AS output_sum_squares,
                sum(outcome_count) AS outcome_count, sum(outcome_sum) AS outcome_sum, sum(outcome_sum_squares) AS outcome_sum_squares,
                sum(outcome_correct) AS outcome_correct,
                sum(label_count) AS label_count, sum(label_abs_error_sum) AS label_abs_error_sum, sum(label_squared_error_sum) AS label_squared_error_sum,
                sum(label_squared_error_sum_squares) AS label_squared_error_sum_squares, sum(label_correct) AS label_correct,
                sum(label_log_loss_count) AS label_log_loss_count, sum(label_log_loss_sum) AS label_log_loss_sum, sum(label_log_loss_sum_squares) AS label_log_loss_sum_squares
         FROM prediction_rollups WHERE ${where} GROUP BY variant ORDER BY variant`,
        params,
      ) as Promise<Record<string, unknown>[]>,
      withLatency ? this.histogram('prediction_rollups', 'latency_buckets', where, params) : new Map<string, Counts>(),
      this.histogram('prediction_rollups', 'output_labels', where, params),
      this.histogram('prediction_rollups', 'label_scores_positive', where, params),
      this.histogram('prediction_rollups', 'label_scores_negative', where, params),
      this.manager.query(
        `SELECT r.variant, r.input, b.key, sum(b.value::bigint) AS count
         FROM prediction_input_rollups r CROSS JOIN LATERAL jsonb_each_text(r.bins) AS b
         WHERE ${inputScope.where} GROUP BY r.variant, r.input, b.key`,
        [model, ...inputScope.params],
      ) as Promise<{ variant: string; input: string; key: string; count: string }[]>,
    ]);
    return totals.map((row) => {
      const variant = row.variant as string;
      const ownInputs: Record<string, Counts> = {};
      for (const bin of inputs) {
        if (bin.variant !== variant) continue;
        (ownInputs[bin.input] ??= {})[bin.key] = num(bin.count);
      }
      return {
        variant,
        versions: (row.versions as number[]).map(Number),
        requests: num(row.requests),
        errors: num(row.errors),
        latency: latency.get(variant) ?? {},
        outputCount: num(row.output_count),
        outputSum: num(row.output_sum),
        outputSumSquares: num(row.output_sum_squares),
        outputLabels: labels.get(variant) ?? {},
        outcomeCount: num(row.outcome_count),
        outcomeSum: num(row.outcome_sum),
        outcomeSumSquares: num(row.outcome_sum_squares),
        outcomeCorrect: num(row.outcome_correct),
        labels: {
          count: num(row.label_count),
          absErrorSum: num(row.label_abs_error_sum),
          squaredErrorSum: num(row.label_squared_error_sum),
          squaredErrorSumSquares: num(row.label_squared_error_sum_squares),
          correct: num(row.label_correct),
          logLossCount: num(row.label_log_loss_count),
          logLossSum: num(row.label_log_loss_sum),
          logLossSumSquares: num(row.label_log_loss_sum_squares),
          scoresPositive: scoresPositive.get(variant) ?? {},
          scoresNegative: scoresNegative.get(variant) ?? {},
        },
        inputs: ownInputs,
      };
    });
  }

  /** Champion and challenger requests per minute, restricted like `variants`: what the sample ratio check weighs. */
  async minuteSplits(model: string, window: Window, live?: BothLive): Promise<MinuteSplit[]> {
    const { where, params } = scope(window, live);
    const rows = (await this.manager.query(
      `SELECT minute, sum(requests) FILTER (WHERE variant = 'champion') AS champion, sum(requests) FILTER (WHERE variant = 'challenger') AS challenger
       FROM prediction_rollups WHERE ${where} AND variant IN ('champion', 'challenger') GROUP BY minute ORDER BY minute`,
      [model, ...params],
    )) as { minute: Date; champion: string | null; challenger: string | null }[];
    return rows.map((row) => ({ minute: row.minute, champion: num(row.champion), challenger: num(row.challenger) }));
  }

  /** All variants' inputs over a window: the reference drift is measured against. */
  async inputs(model: string, window: Window): Promise<{ requests: number; inputs: Record<string, Counts> }> {
    const params = [model, window.from.toISOString(), window.to.toISOString()];
    const [bins, [total]] = await Promise.all([
      this.manager.query(
        `SELECT r.input, b.key, sum(b.value::bigint) AS count
         FROM prediction_input_rollups r CROSS JOIN LATERAL jsonb_each_text(r.bins) AS b
         WHERE r.model_name = $1 AND r.minute >= $2 AND r.minute < $3 GROUP BY r.input, b.key`,
        params,
      ) as Promise<{ input: string; key: string; count: string }[]>,
      this.manager.query(`SELECT coalesce(sum(requests), 0) AS requests FROM prediction_rollups WHERE model_name = $1 AND minute >= $2 AND minute < $3`, params) as Promise<
        { requests: string }[]
      >,
    ]);
    const inputs: Record<string, Counts> = {};
    for (const bin of bins) (inputs[bin.input] ??= {})[bin.key] = num(bin.count);
    return { requests: num(total.requests), inputs };
  }

  /** Per variant and step: the points of the dashboard's time series. */
  async series(model: string, window: Window, stepSeconds: number): Promise<SeriesPoint[]> {
    const params = [model, window.from.toISOString(), window.to.toISOString(), stepSeconds];
    // date_bin is timestamp arithmetic; to_timestamp(floor(extract(epoch …) / step) * step) went through
    // numeric for each of the ~40 latency buckets of every rollup row, and took twice as long (500 against
    // 230 ms for a week of minutes, the same answer).
    const step = `date_bin($4 * interval '1 second', minute, timestamptz '1970-01-01T00:00:00Z')`;
    const [totals, latency] = await Promise.all([
      this.manager.query(
        `SELECT ${step} AS at, variant, sum(requests) AS requests, sum(errors) AS errors,
                sum(outcome_count) AS outcome_count, sum(outcome_sum) AS outcome_sum, sum(outcome_correct) AS outcome_correct
         FROM prediction_rollups WHERE model_name = $1 AND minute >= $2 AND minute < $3 GROUP BY 1, 2 ORDER BY 1, 2`,
        params,
      ) as Promise<Record<string, unknown>[]>,
      this.manager.query(
        `SELECT ${step} AS at, variant, b.key, sum(b.value::bigint) AS count
         FROM prediction_rollups CROSS JOIN LATERAL jsonb_each_text(latency_buckets) AS b
         WHERE model_name = $1 AND minute >= $2 AND minute < $3 GROUP BY 1, 2, 3`,
        params,
      ) as Promise<{ at: Date; variant: string; key: string; count: string }[]>,
    ]);
    const histograms = new Map<string, Counts>();
    for (const row of latency) {
      const key = `${row.at.getTime()}|${row.variant}`;
      let counts = histograms.get(key);
      if (!counts) histograms.set(key, (counts = {}));
      counts[row.key] = num(row.count);
    }
    return totals.map((row) => ({
      at: row.at as Date,
      variant: row.variant as string,
      requests: num(row.requests),
      errors: num(row.errors),
      latency: histograms.get(`${(row.at as Date).getTime()}|${row.variant as string}`) ?? {},
      outcomeCount: num(row.outcome_count),
      outcomeSum: num(row.outcome_sum),
      outcomeCorrect: num(row.outcome_correct),
    }));
  }

  private async histogram(table: string, column: string, where: string, params: unknown[]): Promise<Map<string, Counts>> {
    const rows = (await this.manager.query(
      `SELECT variant, b.key, sum(b.value::bigint) AS count FROM ${table} CROSS JOIN LATERAL jsonb_each_text(${column}) AS b WHERE ${where} GROUP BY variant, b.key`,
      params,
    )) as { variant: string; key: string; count: string }[];
    const byVariant = new Map<string, Counts>();
    for (const row of rows) {
      let counts = byVariant.get(row.variant);
      if (!counts) byVariant.set(row.variant, (counts = {}));
      counts[row.key] = num(row.count);
    }
    return byVariant;
  }
}

interface AuditStateRow {
  created_at: Date;
  before: { champion: number | null; challenger: number | null; challenger_percent: number };
  after: { champion: number | null; challenger: number | null; challenger_percent: number };
}

/**
 * The deployments in force over [from, to), from the audit log (the history `GET …/deployment?at=`
 * reads): the state at `from`, then every change up to `to`. A model whose history starts inside the
 * window was, before its first change, in that change's `before` state; one with no history at all has
 * always been as it is `now`.
 */
export async function readWeightTimeline(
  manager: EntityManager,
  modelId: string,
  window: Window,
  now: Omit<DeploymentPhase, 'from'>,
): Promise<WeightTimeline> {
  const [[atStart], changes] = (await Promise.all([
    manager.query(`SELECT created_at, before, after FROM audit_log WHERE model_id = $1 AND created_at <= $2 ORDER BY id DESC LIMIT 1`, [modelId, window.from.toISOString()]),
    manager.query(`SELECT created_at, before, after FROM audit_log WHERE model_id = $1 AND created_at > $2 AND created_at < $3 ORDER BY id`, [
      modelId,
      window.from.toISOString(),
      window.to.toISOString(),
    ]),
  ])) as [AuditStateRow[], AuditStateRow[]];
  const phase = (from: Date, state: AuditStateRow['after']): DeploymentPhase => ({ from, champion: state.champion, challenger: state.challenger, challenger_percent: state.challenger_percent });
  const initial = atStart?.after ?? changes[0]?.before ?? now;
  return [phase(atStart?.created_at ?? window.from, initial), ...changes.map((row) => phase(row.created_at, row.after))];
}

/**
 * The traffic a comparison of the current champion with the current challenger may read: their rollup
 * rows from the minutes when the two were both live (bothLiveRanges 'any'), and the per-minute split of
 * the minutes when they were live throughout ('whole', for the sample ratio check). Null without a
 * current challenger.
 */
export async function readComparedTraffic(
  reader: RollupReader,
  manager: EntityManager,
  model: { id: string; name: string },
  window: Window,
  now: Omit<DeploymentPhase, 'from'>,
): Promise<ComparedTraffic | null> {
  const { champion, challenger } = now;
  if (champion === null || challenger === null) return null;
  const timeline = await readWeightTimeline(manager, model.id, window, now);
  const ranges = bothLiveRanges(timeline, window, champion, challenger, 'any');
  if (ranges.length === 0) return { ranges, variants: [], minutes: [], timeline };
  const whole = bothLiveRanges(timeline, window, champion, challenger, 'whole');
  const [variants, minutes] = await Promise.all([
    reader.variants(model.name, window, { champion, challenger, ranges }),
    whole.length === 0 ? [] : reader.minuteSplits(model.name, window, { champion, challenger, ranges: whole }),
  ]);
  return { ranges, variants, minutes, timeline };
}
