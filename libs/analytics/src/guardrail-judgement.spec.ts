import { latencyBucket } from '@switchyard/statistics';
import { judgeGuardrail } from './guardrail-judgement';
import { NO_LABELS, type VariantAggregate } from './rollup-reader';

const variant = (name: string, overrides: Partial<VariantAggregate>): VariantAggregate => ({
  variant: name,
  versions: [1],
  requests: 1_000,
  errors: 0,
  latency: { [latencyBucket(1_000)]: 1_000 },
  outputCount: 0,
  outputSum: 0,
  outputSumSquares: 0,
  outputLabels: {},
  outcomeCount: 0,
  outcomeSum: 0,
  outcomeSumSquares: 0,
  outcomeCorrect: 0,
  labels: NO_LABELS,
  inputs: {},
  ...overrides,
});

const config = { max_error_rate_increase: 0.01, max_p99_latency_ratio: 1.5, trip_on_worse_outcome: true, min_requests: 500, window_minutes: 30 };

describe('judgeGuardrail', () => {
  it('waits until both variants have min_requests', () => {
    expect(judgeGuardrail(config, 'regression', variant('champion', {}), variant('challenger', { requests: 499, errors: 499 })).state).toBe('waiting');
    expect(judgeGuardrail(config, 'regression', variant('champion', {}), undefined).state).toBe('waiting');
  });

  it('holds when the challenger is as good', () => {
    expect(judgeGuardrail(config, 'regression', variant('champion', { errors: 5 }), variant('challenger', { errors: 10 }))).toMatchObject({ state: 'ok' });
  });

  it('trips on an error rate more than the margin above the champion\'s', () => {
    const judgement = judgeGuardrail(config, 'regression', variant('champion', { errors: 5 }), variant('challenger', { errors: 16 }));
    expect(judgement.state).toBe('tripped');
    expect(judgement.detail).toContain('error rate 1.60 %');
  });

  it('trips on a p99 latency beyond the ratio', () => {
    const judgement = judgeGuardrail(config, 'regression', variant('champion', {}), variant('challenger', { latency: { [latencyBucket(1_000)]: 980, [latencyBucket(5_000)]: 20 } }));
    expect(judgement.state).toBe('tripped');
    expect(judgement.detail).toContain('p99 latency');
  });

  it('trips on a significantly worse outcome, and not on a better one', () => {
    // 1,000 outcomes each, standard deviation 1: means 10 vs 9 is far beyond chance.
    const outcomes = (mean: number) => ({ outcomeCount: 1_000, outcomeSum: 1_000 * mean, outcomeSumSquares: 1_000 * (mean * mean + 1) });
    expect(judgeGuardrail(config, 'regression', variant('champion', outcomes(10)), variant('challenger', outcomes(9))).state).toBe('tripped');
    expect(judgeGuardrail(config, 'regression', variant('champion', outcomes(9)), variant('challenger', outcomes(10))).state).toBe('ok');
    const accuracy = (correct: number) => ({ outcomeCount: 1_000, outcomeCorrect: correct });
    expect(judgeGuardrail(config, 'classification', variant('champion', accuracy(900)), variant('challenger', accuracy(700))).state).toBe('tripped');
  });

  it('trips on a significantly worse MAE on ground-truth labels when asked to, and not on a better one', () => {
    const quality = { ...config, trip_on_worse_outcome: false, trip_on_worse_quality: true };
    // 1,000 labels each, absolute errors mae ± 0.5.
    const labels = (mae: number) => ({ labels: { ...NO_LABELS, count: 1_000, absErrorSum: 1_000 * mae, squaredErrorSum: 1_000 * (mae * mae + 0.25), squaredErrorSumSquares: 0 } });
    const worse = judgeGuardrail(quality, 'regression', variant('champion', labels(1)), variant('challenger', labels(1.5)));
    expect(worse.state).toBe('tripped');
    expect(worse.detail).toContain('MAE on ground-truth labels is significantly worse');
    expect(judgeGuardrail(quality, 'regression', variant('champion', labels(1.5)), variant('challenger', labels(1))).state).toBe('ok');
    // The same labels do not trip a guardrail that does not check quality.
    expect(judgeGuardrail({ ...quality, trip_on_worse_quality: false, max_error_rate_increase: 0.5 }, 'regression', variant('champion', labels(1)), variant('challenger', labels(1.5))).state).toBe('ok');
  });
});
