import type { RolloutEvidence, RolloutPlanSpec, RolloutSideFigures, RolloutStep } from '@switchyard/persistence';
import { type MeanSummary, mixtureSequentialTest, mixtureSequentialTestOfDifference, normalQuantile, type SequentialTest } from '@switchyard/statistics';
import type { VariantAggregate } from './rollup-reader';
import type { StatsReport } from './stats-report';

/** The outcome evidence of a challenger step: challenger − champion, oriented so that positive is better. */
export type OutcomeEvidence = NonNullable<RolloutEvidence['outcome']>;

/** What a step's gates and minimums are judged on. */
export interface RolloutFigures {
  champion: RolloutSideFigures | null;
  /** The challenger in a challenger step, the shadow in a shadow step; null: no samples yet. */
  candidate: RolloutSideFigures | null;
  outcome: OutcomeEvidence | null;
}

export type RolloutDecision =
  | { action: 'apply'; step: number; reason: string }
  | { action: 'wait'; detail: string }
  | { action: 'advance'; step: number; reason: string }
  | { action: 'abort'; reason: string }
  | { action: 'promote'; reason: string }
  | { action: 'hold'; reason: string };

export function isShadowStep(step: Pick<RolloutStep, 'shadow_percent'>): boolean {
  return step.shadow_percent !== undefined;
}

export function stepLabel(step: Pick<RolloutStep, 'shadow_percent' | 'challenger_percent'>): string {
  return isShadowStep(step) ? `shadow ${step.shadow_percent} %` : `challenger ${step.challenger_percent} %`;
}

const percent = (rate: number | null) => (rate === null ? 'n/a' : `${(rate * 100).toFixed(2)} %`);
const millis = (value: number | null) => (value === null ? 'n/a' : `${value.toFixed(2)} ms`);

function describeFigures(figures: RolloutFigures, candidateName: string): string {
  const parts: string[] = [];
  const { champion, candidate, outcome } = figures;
  if (candidate) {
    parts.push(
      `${candidateName} ${candidate.requests} requests, ${candidate.outcomes} outcomes, error rate ${percent(candidate.error_rate)}, p99 ${millis(candidate.p99_ms)}`,
    );
  } else {
    parts.push(`${candidateName}: no samples yet`);
  }
  if (champion) parts.push(`champion ${champion.requests} requests, error rate ${percent(champion.error_rate)}, p99 ${millis(champion.p99_ms)}`);
  if (outcome) {
    parts.push(
      `${outcome.metric} difference ${outcome.difference >= 0 ? '+' : ''}${outcome.difference.toPrecision(4)} (margin ${outcome.margin}, always-valid p = ${outcome.always_valid_p_value.toPrecision(3)}: ${outcome.decision.replace(/_/g, ' ')})`,
    );
  }
  return parts.join('; ');
}

/** The gates that trip, in plain words with their figures; empty when every gate holds. */
function trippedGates(spec: RolloutPlanSpec, step: RolloutStep, figures: RolloutFigures, candidateName: string): string[] {
  const { champion, candidate, outcome } = figures;
  const reasons: string[] = [];
  const { gates } = spec;
  // Rates and quantiles over a handful of requests are noise: those gates judge from the step's minimum on.
  const enoughRequests = candidate !== null && candidate.requests >= Math.max(1, step.min_requests) && champion !== null && champion.requests > 0;
  if (enoughRequests && gates.max_error_rate_increase !== null && candidate.error_rate !== null && champion.error_rate !== null) {
    if (candidate.error_rate - champion.error_rate > gates.max_error_rate_increase) {
      reasons.push(
        `${candidateName} error rate ${percent(candidate.error_rate)} exceeds the champion's ${percent(champion.error_rate)} by more than ${(gates.max_error_rate_increase * 100).toFixed(2)} points`,
      );
    }
  }
  if (enoughRequests && gates.max_p99_latency_ratio !== null && candidate.p99_ms !== null && champion.p99_ms !== null) {
    if (candidate.p99_ms > champion.p99_ms * gates.max_p99_latency_ratio) {
      reasons.push(`${candidateName} p99 latency ${millis(candidate.p99_ms)} exceeds ${gates.max_p99_latency_ratio}× the champion's ${millis(champion.p99_ms)}`);
    }
  }
  // The always-valid test may be read at any time, so the outcome gate does not wait for the minimums.
  if (gates.outcome_margin !== null && outcome?.decision === 'worse_than_margin') {
    reasons.push(
      `the challenger's ${outcome.metric} is worse than the champion's by more than the margin ${outcome.margin}: difference ${outcome.difference.toPrecision(4)}, always-valid p = ${outcome.always_valid_p_value.toPrecision(3)}`,
    );
  }
  return reasons;
}

/** What the step still lacks before the plan may move on; empty when its minimums are met. */
function missing(step: RolloutStep, stepStartedAt: Date, now: Date, candidate: RolloutSideFigures | null): string[] {
  const lacking: string[] = [];
  const elapsedSeconds = (now.getTime() - stepStartedAt.getTime()) / 1_000;
  if (elapsedSeconds < step.min_duration_seconds) lacking.push(`${Math.floor(elapsedSeconds)} of ${step.min_duration_seconds} s`);
  const requests = candidate?.requests ?? 0;
  if (requests < step.min_requests) lacking.push(`${requests} of ${step.min_requests} requests`);
  if (!isShadowStep(step)) {
    const outcomes = candidate?.outcomes ?? 0;
    if (outcomes < step.min_outcomes) lacking.push(`${outcomes} of ${step.min_outcomes} outcomes`);
  }
  return lacking;
}

/**
 * The rollout plan's next move, from its position and the figures of the current step: pure, so each
 * rule is unit-tested. In order: a step not yet applied is applied; a tripped gate aborts; a step
 * short of its minimum time, requests or outcomes waits; a met step advances to the next; after the
 * last step the plan holds for a person, or promotes once the always-valid test shows the challenger
 * at least as good (see `outcomeEvidence`) and waits until then.
 */
export function decideRollout(
  spec: RolloutPlanSpec,
  position: { step: number; stepStartedAt: Date | null },
  figures: RolloutFigures,
  now: Date,
): RolloutDecision {
  const step = spec.steps[position.step];
  const ofSteps = `step ${position.step + 1} of ${spec.steps.length} (${stepLabel(step)})`;
  if (position.stepStartedAt === null) return { action: 'apply', step: position.step, reason: `rollout plan ${ofSteps}` };
  const candidateName = isShadowStep(step) ? 'shadow' : 'challenger';
  const seen = describeFigures(figures, candidateName);

  const tripped = trippedGates(spec, step, figures, candidateName);
  if (tripped.length > 0) return { action: 'abort', reason: `rollout plan aborted at ${ofSteps}: ${tripped.join('; ')} (${seen})` };

  const lacking = missing(step, position.stepStartedAt, now, figures.candidate);
  if (lacking.length > 0) return { action: 'wait', detail: `${ofSteps} gathering: ${lacking.join(', ')} (${seen})` };

  const held = `${ofSteps} met its minimums with the gates holding (${seen})`;
  if (position.step + 1 < spec.steps.length) {
    const next = spec.steps[position.step + 1];
    return { action: 'advance', step: position.step + 1, reason: `rollout plan step ${position.step + 2} of ${spec.steps.length} (${stepLabel(next)}): ${held}` };
  }
  if (spec.end === 'hold') return { action: 'hold', reason: `rollout plan held for a person after its last step: ${held}` };
  if (figures.outcome?.decision === 'at_least_as_good') {
    return { action: 'promote', reason: `rollout plan promoted the challenger, at least as good as the champion at α = ${spec.alpha}: ${held}` };
  }
  return { action: 'wait', detail: `${held}; waiting for the always-valid test to show the challenger at least as good at α = ${spec.alpha} before promoting` };
}

/** Bernoulli outcomes (correct or not) as a mean summary: x² = x for 0/1. */
const bernoulli = (correct: number, count: number): MeanSummary => ({ count, sum: correct, sumOfSquares: correct });

/** Every observation of a summary shifted by `delta`: Σ(x + δ) and Σ(x + δ)², exactly. */
function shifted(summary: MeanSummary, delta: number): MeanSummary {
  return {
    count: summary.count,
    sum: summary.sum + summary.count * delta,
    sumOfSquares: summary.sumOfSquares + 2 * delta * summary.sum + summary.count * delta * delta,
  };
}

function evidenceOf(metric: string, difference: number, margin: number, test: SequentialTest): OutcomeEvidence {
  return {
    metric,
    difference,
    margin,
    always_valid_p_value: test.always_valid_p_value,
    decision: test.decision === 'treatment_better' ? 'at_least_as_good' : test.decision === 'control_better' ? 'worse_than_margin' : 'undecided',
  };
}

/**
 * The non-inferiority test behind the outcome gate and the promotion. With θ = challenger − champion
 * on the metric (oriented so that higher is better) and the margin δ ≥ 0, the always-valid mSPRT at
 * the plan's α is run on θ + δ, i.e. against H0: θ = −δ:
 * - "at least as good": it rejects H0 in favour of θ > −δ (the challenger is no worse than the
 *   champion by δ or more; with δ = 0, it is better);
 * - "worse than the margin": it rejects H0 in favour of θ < −δ.
 * Model quality (labels) is used when the report has it; otherwise the business outcome (mean value
 * or, for a classifier, accuracy), shifted exactly in its sufficient statistics. Null: not enough data.
 */
export function outcomeEvidence(report: Pick<StatsReport, 'task' | 'comparison' | 'variants'>, aggregates: VariantAggregate[], margin: number, alpha: number): OutcomeEvidence | null {
  const quality = report.comparison?.quality;
  if (quality) {
    const z = normalQuantile(0.975);
    const standardError = (quality.interval.high - quality.interval.low) / (2 * z);
    const labelled = (variant: string) => report.variants.find((v) => v.variant === variant)?.quality?.labelled ?? 0;
    const [nc, nt] = [labelled('champion'), labelled('challenger')];
    if (nc >= 2 && nt >= 2 && standardError >= 0 && Number.isFinite(standardError)) {
      const difference = quality.better === 'higher' ? quality.difference : -quality.difference;
      const pooledStd = standardError / Math.sqrt(1 / nc + 1 / nt);
      return evidenceOf(quality.metric, difference, margin, mixtureSequentialTestOfDifference(difference + margin, standardError * standardError, pooledStd, { alpha }));
    }
  }
  const champion = aggregates.find((a) => a.variant === 'champion');
  const challenger = aggregates.find((a) => a.variant === 'challenger');
  if (!champion || !challenger || champion.outcomeCount < 2 || challenger.outcomeCount < 2) return null;
  const [control, treatment, metric] =
    report.task === 'classification'
      ? [bernoulli(champion.outcomeCorrect, champion.outcomeCount), bernoulli(challenger.outcomeCorrect, challenger.outcomeCount), 'accuracy']
      : [
          { count: champion.outcomeCount, sum: champion.outcomeSum, sumOfSquares: champion.outcomeSumSquares },
          { count: challenger.outcomeCount, sum: challenger.outcomeSum, sumOfSquares: challenger.outcomeSumSquares },
          'mean outcome',
        ];
  const test = mixtureSequentialTest(control, shifted(treatment, margin), { alpha });
  if (!test) return null;
  return evidenceOf(metric, treatment.sum / treatment.count - control.sum / control.count, margin, test);
}

/** A variant's figures as the stats report gives them. */
function sideOf(report: Pick<StatsReport, 'variants'>, variant: string): RolloutSideFigures | null {
  const found = report.variants.find((v) => v.variant === variant);
  if (!found || found.requests === 0) return null;
  return { requests: found.requests, error_rate: found.error_rate, p99_ms: found.latency_ms.p99, outcomes: found.outcome.count };
}

/** The figures of a step from the stats report over its window (and the rollups behind it, for the outcome test). */
export function rolloutFigures(report: Pick<StatsReport, 'task' | 'comparison' | 'variants' | 'shadow'>, aggregates: VariantAggregate[], spec: RolloutPlanSpec, step: RolloutStep): RolloutFigures {
  const champion = sideOf(report, 'champion');
  if (isShadowStep(step)) {
    const shadow = report.shadow;
    return {
      champion,
      candidate: shadow && shadow.requests > 0 ? { requests: shadow.requests, error_rate: shadow.error_rate, p99_ms: shadow.latency_ms.p99, outcomes: 0 } : null,
      outcome: null,
    };
  }
  return { champion, candidate: sideOf(report, 'challenger'), outcome: outcomeEvidence(report, aggregates, spec.gates.outcome_margin ?? 0, spec.alpha) };
}
