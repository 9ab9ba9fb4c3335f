import type { ModelTask } from '@switchyard/domain';
import {
  type Comparison,
  type Interval,
  latencyBucketValue,
  meanWithInterval,
  mixtureSequentialTest,
  mixtureSequentialTestForProportions,
  populationStabilityIndex,
  proportionComparison,
  proportionWithInterval,
  classifyPsi,
  quantileFromBuckets,
  sampleRatioMismatch,
  type SequentialTest,
  welchComparison,
} from '@switchyard/statistics';
import { qualityComparison, variantQuality } from './quality-report';
import type { QualityComparison, ShadowReport, VariantQuality } from './report-sections';
import type { SeriesPoint, VariantAggregate, Window } from './rollup-reader';
import { MINUTE_MS, type MinuteSplit, sampleRatioOverTimeline, type TimeRange, type WeightTimeline } from './weight-timeline';
import { buildShadowReport, reportedShadow } from './shadow-report';
import type { ShadowAggregate } from './shadow-rollup-reader';

export interface DeploymentSnapshot {
  champion: number | null;
  challenger: number | null;
  challenger_percent: number;
}

export interface DriftReference extends Window {
  requests: number;
  inputs: Record<string, Record<string, number>>;
}

export interface VariantReport {
  variant: string;
  versions: number[];
  requests: number;
  errors: number;
  error_rate: number | null;
  error_rate_interval: Interval | null;
  latency_ms: { p50: number | null; p95: number | null; p99: number | null };
  output: { count: number; mean: number | null; std: number | null } | { class_shares: Record<string, number> };
  outcome:
    | { metric: 'mean'; count: number; mean: number | null; std: number | null; interval: Interval | null }
    | { metric: 'accuracy'; count: number; accuracy: number | null; interval: Interval | null };
  drift: Array<{ input: string; psi: number; level: string }>;
  /** Ground-truth model quality; null until labels arrive for this variant. */
  quality: VariantQuality | null;
}

export interface ComparisonReport {
  control: 'champion';
  treatment: 'challenger';
  metric: 'mean' | 'accuracy';
  outcome: Comparison | null;
  sequential: SequentialTest | null;
  error_rate: Comparison | null;
  /**
   * Observed split against the weights in force minute by minute, over the compared minutes in which
   * nothing changed (a minute of change cannot be split by time); null while there is none.
   */
  sample_ratio: ReturnType<typeof sampleRatioMismatch>;
  /**
   * The minutes compared: those when the current champion and challenger versions were both live in
   * their roles with a challenger share above 0. `from`/`to` bound them; gaps inside are left out.
   */
  window: { from: string; to: string; minutes: number };
  /** The primary model-quality comparison; null without labels on both sides. When present, the verdict is decided on it. */
  quality: QualityComparison | null;
}

export type Decision = 'challenger_better' | 'champion_better' | 'continue' | 'no_challenger' | 'no_data' | 'sample_ratio_mismatch';

export interface StatsReport {
  model: string;
  from: string;
  to: string;
  task: ModelTask;
  deployment: DeploymentSnapshot;
  variants: VariantReport[];
  drift_reference: { from: string; to: string; requests: number; scope: string };
  comparison: ComparisonReport | null;
  /** The shadow's comparison with the champion; null when no shadow answered in the window. */
  shadow: ShadowReport | null;
  verdict: { decision: Decision; summary: string };
  series: { step_seconds: number; points: SeriesPointReport[] };
}

export interface SeriesPointReport {
  at: string;
  variant: string;
  requests: number;
  errors: number;
  latency_p50_ms: number | null;
  latency_p99_ms: number | null;
  outcome_count: number;
  outcome_metric: number | null;
}

const VARIANT_ORDER = ['champion', 'challenger'];
/** Champion first, then challenger, then anything else (pinned). */
const variantRank = (variant: string) => (VARIANT_ORDER.includes(variant) ? VARIANT_ORDER.indexOf(variant) : VARIANT_ORDER.length);

/** Drift is reported for at most this many inputs per variant, most drifted first. */
const MAX_DRIFT_INPUTS = 64;

const ms = (microseconds: number | null) => (microseconds === null ? null : microseconds / 1_000);
const latencyQuantile = (counts: Record<string, number>, q: number) => ms(quantileFromBuckets(counts, q, latencyBucketValue));

function variantReport(aggregate: VariantAggregate, task: ModelTask, reference: DriftReference): VariantReport {
  const errorRate = proportionWithInterval(aggregate.errors, aggregate.requests);
  const labelTotal = Object.values(aggregate.outputLabels).reduce((a, b) => a + b, 0);
  const output =
    task === 'classification' && labelTotal > 0
      ? { class_shares: Object.fromEntries(Object.entries(aggregate.outputLabels).map(([label, count]) => [label, count / labelTotal])) }
      : (({ count, mean, std }) => ({ count, mean, std }))(meanWithInterval({ count: aggregate.outputCount, sum: aggregate.outputSum, sumOfSquares: aggregate.outputSumSquares }));
  const drift = Object.entries(aggregate.inputs)
    .flatMap(([input, counts]) => {
      const base = reference.inputs[input];
      const psi = base ? populationStabilityIndex(base, counts) : null;
      return psi ? [{ input, psi: psi.psi, level: classifyPsi(psi.psi) }] : [];
    })
    .sort((a, b) => b.psi - a.psi)
    .slice(0, MAX_DRIFT_INPUTS);
  return {
    variant: aggregate.variant,
    versions: aggregate.versions,
    requests: aggregate.requests,
    errors: aggregate.errors,
    error_rate: errorRate.rate,
    error_rate_interval: errorRate.interval,
    latency_ms: { p50: latencyQuantile(aggregate.latency, 0.5), p95: latencyQuantile(aggregate.latency, 0.95), p99: latencyQuantile(aggregate.latency, 0.99) },
    output,
    outcome: outcomeOf(aggregate, task),
    drift,
    quality: variantQuality(task, aggregate.labels),
  };
}

function outcomeOf(aggregate: VariantAggregate, task: ModelTask): VariantReport['outcome'] {
  if (task === 'classification') {
    const accuracy = proportionWithInterval(aggregate.outcomeCorrect, aggregate.outcomeCount);
    return { metric: 'accuracy', count: aggregate.outcomeCount, accuracy: accuracy.rate, interval: accuracy.interval };
  }
  const mean = meanWithInterval({ count: aggregate.outcomeCount, sum: aggregate.outcomeSum, sumOfSquares: aggregate.outcomeSumSquares });
  return { metric: 'mean', count: mean.count, mean: mean.mean, std: mean.std, interval: mean.interval };
}

function compare(control: VariantAggregate, treatment: VariantAggregate, task: ModelTask, compared: ComparedTraffic): ComparisonReport {
  const errorRate = proportionComparison({ successes: control.errors, trials: control.requests }, { successes: treatment.errors, trials: treatment.requests });
  const common = {
    control: 'champion' as const,
    treatment: 'challenger' as const,
    error_rate: errorRate,
    sample_ratio: sampleRatioOverTimeline(compared.timeline, compared.minutes),
    window: comparedWindow(compared.ranges),
    quality: qualityComparison(task, control.labels, treatment.labels),
  };
  if (task === 'classification') {
    const c = { successes: control.outcomeCorrect, trials: control.outcomeCount };
    const t = { successes: treatment.outcomeCorrect, trials: treatment.outcomeCount };
    return { ...common, metric: 'accuracy', outcome: proportionComparison(c, t), sequential: mixtureSequentialTestForProportions(c, t) };
  }
  const c = { count: control.outcomeCount, sum: control.outcomeSum, sumOfSquares: control.outcomeSumSquares };
  const t = { count: treatment.outcomeCount, sum: treatment.outcomeSum, sumOfSquares: treatment.outcomeSumSquares };
  return { ...common, metric: 'mean', outcome: welchComparison(c, t), sequential: mixtureSequentialTest(c, t) };
}

function comparedWindow(ranges: TimeRange[]): ComparisonReport['window'] {
  const minutes = ranges.reduce((sum, range) => sum + (range.to.getTime() - range.from.getTime()) / MINUTE_MS, 0);
  return { from: ranges[0].from.toISOString(), to: ranges[ranges.length - 1].to.toISOString(), minutes };
}

/** The sentence that says which traffic the comparison used. */
function comparedScope(comparison: ComparisonReport, deployment: DeploymentSnapshot): string {
  const { from, to, minutes } = comparison.window;
  return `Compared over ${minutes} min between ${from} and ${to} when champion v${deployment.champion} and challenger v${deployment.challenger} were both live; traffic from before a promotion or while the challenger was at 0 % is left out.`;
}

const pct = (value: number) => `${(value * 100).toFixed(2)} %`;

function verdict(task: ModelTask, variants: VariantAggregate[], comparison: ComparisonReport | null, deployment: DeploymentSnapshot): StatsReport['verdict'] {
  if (variants.every((v) => v.requests === 0)) return { decision: 'no_data', summary: 'No predictions were logged for this model in the window.' };
  if (!comparison) {
    return {
      decision: 'no_challenger',
      summary:
        deployment.challenger === null
          ? 'There is no challenger: all traffic goes to the champion.'
          : `Champion v${deployment.champion} and challenger v${deployment.challenger} did not both receive traffic while both were live in the window: nothing to compare yet.`,
    };
  }
  const scope = comparedScope(comparison, deployment);
  if (comparison.sample_ratio?.mismatch) {
    const expected = comparison.sample_ratio.expected;
    return {
      decision: 'sample_ratio_mismatch',
      summary: `The observed split does not match the weights in force minute by minute (chi-square p = ${comparison.sample_ratio.p_value.toExponential(2)}, expected ≈ ${expected.map((n) => Math.round(n)).join(' / ')} requests): the assignment is broken, so the outcome comparison cannot be trusted. ${scope}`,
    };
  }
  if (comparison.quality) return qualityVerdict(comparison.quality, scope);
  const metric = task === 'classification' ? 'accuracy' : 'mean outcome';
  const sequential = comparison.sequential;
  const outcome = comparison.outcome;
  if (!sequential || !outcome) return { decision: 'continue', summary: `Not enough outcomes yet to compare the ${metric} of the two variants: keep the test running and keep posting feedback. ${scope}` };
  const difference = task === 'classification' ? pct(outcome.difference) : outcome.difference.toPrecision(4);
  const interval = task === 'classification' ? `${pct(outcome.interval.low)} to ${pct(outcome.interval.high)}` : `${outcome.interval.low.toPrecision(4)} to ${outcome.interval.high.toPrecision(4)}`;
  if (sequential.decision === 'treatment_better') {
    return { decision: 'challenger_better', summary: `The challenger is better on ${metric}: ${difference} (95 % CI ${interval}); the always-valid test allows the decision now (p = ${sequential.always_valid_p_value.toPrecision(3)}). Promote it. ${scope}` };
  }
  if (sequential.decision === 'control_better') {
    return { decision: 'champion_better', summary: `The challenger is worse on ${metric}: ${difference} (95 % CI ${interval}); the always-valid test allows the decision now (p = ${sequential.always_valid_p_value.toPrecision(3)}). Roll it back. ${scope}` };
  }
  return { decision: 'continue', summary: `No decision yet on ${metric}: difference ${difference} (95 % CI ${interval}, always-valid p = ${sequential.always_valid_p_value.toPrecision(3)}). Keep the test running. ${scope}` };
}

/**
 * What the comparison reads: the champion's and challenger's rollups restricted to the minutes when the
 * current champion and challenger versions were both live (RollupReader with BothLive), the
 * per-minute split, and the weights in force over the window.
 */
export interface ComparedTraffic {
  /** Minutes when the two were live at some moment (bothLiveRanges 'any'): what the comparison reads. */
  ranges: TimeRange[];
  /** Per-minute split of the minutes when they were live throughout (bothLiveRanges 'whole'): what the sample ratio check weighs. */
  variants: VariantAggregate[];
  minutes: MinuteSplit[];
  timeline: WeightTimeline;
}

const QUALITY_NAMES = { mae: 'MAE', rmse: 'RMSE', accuracy: 'accuracy', log_loss: 'log loss', auc: 'AUC' } as const;

/** With ground-truth labels the verdict is about the models: decided on the primary quality metric. */
function qualityVerdict(quality: QualityComparison, scope: string): StatsReport['verdict'] {
  const name = QUALITY_NAMES[quality.metric];
  const format = (value: number) => (quality.metric === 'accuracy' ? pct(value) : value.toPrecision(4));
  const figures = `challenger − champion ${format(quality.difference)} (95 % CI ${format(quality.interval.low)} to ${format(quality.interval.high)}; ${quality.better} is better)`;
  const sequential = quality.sequential;
  const p = sequential ? `always-valid p = ${sequential.always_valid_p_value.toPrecision(3)}` : 'too few labels for the sequential test';
  if (sequential?.decision === 'treatment_better') {
    return { decision: 'challenger_better', summary: `On ground-truth labels the challenger is better on ${name}: ${figures}; the always-valid test allows the decision now (${p}). Promote it. ${scope}` };
  }
  if (sequential?.decision === 'control_better') {
    return { decision: 'champion_better', summary: `On ground-truth labels the challenger is worse on ${name}: ${figures}; the always-valid test allows the decision now (${p}). Roll it back. ${scope}` };
  }
  return { decision: 'continue', summary: `No decision yet on ${name} from ground-truth labels: ${figures}, ${p}. Keep the test running and keep posting labels. ${scope}` };
}

export interface ReportInput {
  model: string;
  window: Window;
  task: ModelTask;
  deployment: DeploymentSnapshot;
  /** Every variant over the whole window: what each variant served, whatever its version then. */
  variants: VariantAggregate[];
  /** Null when there is no current challenger, or the two were never both live in the window. */
  compared: ComparedTraffic | null;
  reference: DriftReference;
  series: SeriesPoint[];
  stepSeconds: number;
  /** shadow_rollups per shadow version, and the version deployed as shadow now; absent: no shadow section. */
  shadows?: ShadowAggregate[];
  shadowVersion?: number | null;
}

/** The stats API's answer, from rollup aggregates: pure, so every number is unit-tested. */
export function buildStatsReport(input: ReportInput): StatsReport {
  const { task, deployment } = input;
  const { compared } = input;
  const champion = compared?.variants.find((v) => v.variant === 'champion');
  const challenger = compared?.variants.find((v) => v.variant === 'challenger');
  const comparison =
    compared && compared.ranges.length > 0 && champion && challenger && champion.requests > 0 && challenger.requests > 0 ? compare(champion, challenger, task, compared) : null;
  return {
    model: input.model,
    from: input.window.from.toISOString(),
    to: input.window.to.toISOString(),
    task,
    deployment,
    variants: [...input.variants].sort((a, b) => variantRank(a.variant) - variantRank(b.variant)).map((aggregate) => variantReport(aggregate, task, input.reference)),
    drift_reference: {
      from: input.reference.from.toISOString(),
      to: input.reference.to.toISOString(),
      requests: input.reference.requests,
      scope: 'all variants of the model over the reference window',
    },
    comparison,
    shadow: buildShadowReport(reportedShadow(input.shadows ?? [], input.shadowVersion ?? null), task),
    verdict: verdict(task, input.variants, comparison, deployment),
    series: {
      step_seconds: input.stepSeconds,
      points: input.series.map((point) => ({
        at: point.at.toISOString(),
        variant: point.variant,
        requests: point.requests,
        errors: point.errors,
        latency_p50_ms: latencyQuantile(point.latency, 0.5),
        latency_p99_ms: latencyQuantile(point.latency, 0.99),
        outcome_count: point.outcomeCount,
        outcome_metric: point.outcomeCount === 0 ? null : (task === 'classification' ? point.outcomeCorrect : point.outcomeSum) / point.outcomeCount,
      })),
    },
  };
}
