import type { ModelTask } from '@switchyard/domain';
import {
  differenceBucketValue,
  latencyBucketValue,
  meanWithInterval,
  proportionWithInterval,
  quantileFromBuckets,
} from '@switchyard/statistics';
import type { ShadowReport, VariantQuality } from './report-sections';
import type { ShadowAggregate } from './shadow-rollup-reader';

const ms = (microseconds: number | null) => (microseconds === null ? null : microseconds / 1_000);

/**
 * Which shadow version the report is about: the one deployed now when it answered in the window,
 * otherwise the newest that did. Versions are never mixed: each is its own candidate.
 */
export function reportedShadow(aggregates: ShadowAggregate[], deployed: number | null): ShadowAggregate | null {
  const answered = aggregates.filter((aggregate) => aggregate.requests > 0);
  return answered.find((aggregate) => aggregate.version === deployed) ?? answered.sort((a, b) => b.version - a.version)[0] ?? null;
}

/**
 * The shadow against the champion over the copied requests: agreement of classes (Wilson interval)
 * or the distribution of shadow − champion, the shadow's own error rate and latency, and its quality
 * against the outcomes reported for those request ids. Null when no shadow answered in the window.
 */
export function buildShadowReport(aggregate: ShadowAggregate | null, task: ModelTask): ShadowReport | null {
  if (!aggregate || aggregate.requests === 0) return null;
  const latency = (q: number) => ms(quantileFromBuckets(aggregate.latency, q, latencyBucketValue));
  const agreement = proportionWithInterval(aggregate.agreements, aggregate.compared);
  const differences = aggregate.differenceCount;
  const absolute = (q: number) => quantileFromBuckets(aggregate.differenceAbsBuckets, q, differenceBucketValue);
  return {
    version: aggregate.version,
    requests: aggregate.requests,
    errors: aggregate.errors,
    error_rate: aggregate.errors / aggregate.requests,
    latency_ms: { p50: latency(0.5), p95: latency(0.95), p99: latency(0.99) },
    agreement: task === 'classification' ? { rate: agreement.rate, interval: agreement.interval, compared: aggregate.compared } : null,
    output_difference:
      task === 'regression'
        ? {
            compared: differences,
            mean: differences ? aggregate.differenceSum / differences : null,
            mean_absolute: differences ? aggregate.differenceAbsSum / differences : null,
            p50_absolute: absolute(0.5),
            p95_absolute: absolute(0.95),
          }
        : null,
    quality: shadowQuality(aggregate, task),
  };
}

/**
 * From feedback on the copied requests: accuracy for classes (text outcomes), MAE (t interval over
 * the absolute errors) and RMSE for values (numeric outcomes). No interval is given for RMSE: the
 * rollups keep Σe², not Σe⁴.
 */
function shadowQuality(aggregate: ShadowAggregate, task: ModelTask): VariantQuality | null {
  if (aggregate.outcomeCount === 0) return null;
  if (task === 'classification') {
    const accuracy = proportionWithInterval(aggregate.outcomeCorrect, aggregate.outcomeCount);
    return { task, labelled: aggregate.outcomeCount, metrics: { accuracy: { value: accuracy.rate, interval: accuracy.interval } } };
  }
  const count = aggregate.outcomeErrorCount;
  if (count === 0) return { task, labelled: aggregate.outcomeCount, metrics: {} };
  const mae = meanWithInterval({ count, sum: aggregate.outcomeAbsErrorSum, sumOfSquares: aggregate.outcomeSquaredErrorSum });
  return {
    task,
    labelled: aggregate.outcomeCount,
    metrics: {
      mae: { value: mae.mean, interval: mae.interval },
      rmse: { value: Math.sqrt(aggregate.outcomeSquaredErrorSum / count), interval: null },
    },
  };
}
