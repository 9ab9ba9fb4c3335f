import type { GuardrailConfig } from '@switchyard/persistence';
import type { ModelTask } from '@switchyard/domain';
import { latencyBucketValue, mixtureSequentialTest, mixtureSequentialTestForProportions, quantileFromBuckets } from '@switchyard/statistics';
import { qualityComparison } from './quality-report';
import type { VariantAggregate } from './rollup-reader';

export interface GuardrailJudgement {
  state: 'waiting' | 'ok' | 'tripped';
  detail: string;
}

const p99 = (aggregate: VariantAggregate) => quantileFromBuckets(aggregate.latency, 0.99, latencyBucketValue);

/**
 * Whether a challenger breaks its model's guardrail, from the two variants' rollups over the guardrail's
 * window. Nothing is judged before both variants have min_requests requests. The outcome check uses
 * the always-valid sequential test, so evaluating it every few seconds does not inflate false trips.
 */
export function judgeGuardrail(config: GuardrailConfig, task: ModelTask, champion: VariantAggregate | undefined, challenger: VariantAggregate | undefined): GuardrailJudgement {
  const championRequests = champion?.requests ?? 0;
  const challengerRequests = challenger?.requests ?? 0;
  if (!champion || !challenger || championRequests < config.min_requests || challengerRequests < config.min_requests) {
    return {
      state: 'waiting',
      detail: `waiting for ${config.min_requests} requests per variant from the current champion and challenger side by side in the last ${config.window_minutes} min (champion ${championRequests}, challenger ${challengerRequests})`,
    };
  }
  const reasons: string[] = [];
  if (config.max_error_rate_increase !== null) {
    const championRate = champion.errors / champion.requests;
    const challengerRate = challenger.errors / challenger.requests;
    if (challengerRate - championRate > config.max_error_rate_increase) {
      reasons.push(`challenger error rate ${(challengerRate * 100).toFixed(2)} % exceeds the champion's ${(championRate * 100).toFixed(2)} % by more than ${(config.max_error_rate_increase * 100).toFixed(2)} points`);
    }
  }
  if (config.max_p99_latency_ratio !== null) {
    const [championP99, challengerP99] = [p99(champion), p99(challenger)];
    if (championP99 !== null && challengerP99 !== null && challengerP99 > championP99 * config.max_p99_latency_ratio) {
      reasons.push(`challenger p99 latency ${(challengerP99 / 1_000).toFixed(2)} ms exceeds ${config.max_p99_latency_ratio}× the champion's ${(championP99 / 1_000).toFixed(2)} ms`);
    }
  }
  if (config.trip_on_worse_outcome) {
    const sequential =
      task === 'classification'
        ? mixtureSequentialTestForProportions({ successes: champion.outcomeCorrect, trials: champion.outcomeCount }, { successes: challenger.outcomeCorrect, trials: challenger.outcomeCount })
        : mixtureSequentialTest(
            { count: champion.outcomeCount, sum: champion.outcomeSum, sumOfSquares: champion.outcomeSumSquares },
            { count: challenger.outcomeCount, sum: challenger.outcomeSum, sumOfSquares: challenger.outcomeSumSquares },
          );
    if (sequential?.decision === 'control_better') {
      reasons.push(`the challenger's ${task === 'classification' ? 'accuracy' : 'mean outcome'} is significantly worse (always-valid p = ${sequential.always_valid_p_value.toPrecision(3)})`);
    }
  }
  if (config.trip_on_worse_quality) {
    const quality = qualityComparison(task, champion.labels, challenger.labels);
    if (quality?.sequential?.decision === 'control_better') {
      const name = quality.metric === 'mae' ? 'MAE' : 'accuracy';
      reasons.push(
        `the challenger's ${name} on ground-truth labels is significantly worse (challenger − champion ${quality.difference.toPrecision(3)}, always-valid p = ${quality.sequential.always_valid_p_value.toPrecision(3)})`,
      );
    }
  }
  if (reasons.length > 0) return { state: 'tripped', detail: reasons.join('; ') };
  return { state: 'ok', detail: `within the guardrail over the last ${config.window_minutes} min (champion ${championRequests}, challenger ${challengerRequests} requests)` };
}
