import { latencyBucket } from '@switchyard/statistics';
import { NO_LABELS, type VariantAggregate } from './rollup-reader';
import { buildStatsReport, type ReportInput } from './stats-report';

const window = { from: new Date('2026-11-24T08:00:00Z'), to: new Date('2026-11-24T09:00:00Z') };
const reference = { from: new Date('2026-11-24T07:00:00Z'), to: window.from, requests: 0, inputs: {} };

const aggregate = (variant: string, overrides: Partial<VariantAggregate> = {}): VariantAggregate => ({
  variant,
  versions: [variant === 'champion' ? 1 : 2],
  requests: 1_000,
  errors: 10,
  latency: { [latencyBucket(1_000)]: 1_000 },
  outputCount: 1_000,
  outputSum: 2_000,
  outputSumSquares: 5_000,
  outputLabels: {},
  outcomeCount: 0,
  outcomeSum: 0,
  outcomeSumSquares: 0,
  outcomeCorrect: 0,
  labels: NO_LABELS,
  inputs: {},
  ...overrides,
});

/** By default the deployment held all window long and every request was compared (the split check sees them as one minute). */
function input(overrides: Partial<ReportInput>): ReportInput {
  const deployment = overrides.deployment ?? { champion: 1, challenger: 2, challenger_percent: 50 };
  const variants = overrides.variants ?? [];
  const requests = (name: string) => variants.find((v) => v.variant === name)?.requests ?? 0;
  const minutes = [{ minute: window.from, champion: requests('champion'), challenger: requests('challenger') }];
  return {
    model: 'm',
    window,
    task: 'regression',
    deployment,
    variants,
    compared:
      deployment.challenger === null
        ? null
        : { ranges: [window], variants, minutes, timeline: [{ from: new Date(0), champion: deployment.champion, challenger: deployment.challenger, challenger_percent: deployment.challenger_percent }] },
    reference,
    series: [],
    stepSeconds: 60,
    ...overrides,
  };
}

describe('buildStatsReport', () => {
  it('says there is no data when nothing was logged', () => {
    const report = buildStatsReport(input({}));
    expect(report.variants).toEqual([]);
    expect(report.comparison).toBeNull();
    expect(report.verdict.decision).toBe('no_data');
  });

  it('reports one variant alone and compares nothing', () => {
    const report = buildStatsReport(input({ deployment: { champion: 1, challenger: null, challenger_percent: 0 }, variants: [aggregate('champion')] }));
    expect(report.comparison).toBeNull();
    expect(report.verdict.decision).toBe('no_challenger');
    const [champion] = report.variants;
    expect(champion.error_rate).toBeCloseTo(0.01, 12);
    // Output: mean 2, variance (5000 − 1000·2²) / 999.
    expect(champion.output).toEqual({ count: 1_000, mean: 2, std: expect.closeTo(Math.sqrt(1_000 / 999), 12) });
    expect(champion.outcome).toEqual({ metric: 'mean', count: 0, mean: null, std: null, interval: null });
    expect(champion.latency_ms.p50).toBeCloseTo(1, 1);
  });

  it('compares equal outcomes with zero variance without dividing by zero', () => {
    const constant = { outcomeCount: 100, outcomeSum: 300, outcomeSumSquares: 900 };
    const report = buildStatsReport(input({ variants: [aggregate('champion', constant), aggregate('challenger', constant)] }));
    expect(report.variants[0].outcome).toMatchObject({ mean: 3, std: 0, interval: { low: 3, high: 3 } });
    expect(report.comparison?.outcome).toMatchObject({ difference: 0, p_value: 1 });
    expect(report.verdict.decision).not.toBe('challenger_better');
  });

  it('puts a sample ratio mismatch before any outcome conclusion', () => {
    const outcomes = (mean: number) => ({ outcomeCount: 1_000, outcomeSum: 1_000 * mean, outcomeSumSquares: 1_000 * (mean * mean + 1) });
    const report = buildStatsReport(
      input({
        deployment: { champion: 1, challenger: 2, challenger_percent: 10 },
        variants: [aggregate('champion', { requests: 5_000, ...outcomes(1) }), aggregate('challenger', { requests: 5_000, ...outcomes(2) })],
      }),
    );
    expect(report.comparison?.sample_ratio?.mismatch).toBe(true);
    expect(report.verdict.decision).toBe('sample_ratio_mismatch');
  });

  it('compares only the traffic from while both current versions were live, and says so', () => {
    const outcomes = (requests: number, mean: number) => ({ requests, outcomeCount: requests, outcomeSum: requests * mean, outcomeSumSquares: requests * (mean * mean + 1) });
    // Over the whole window the old champion (v1) served before v2 was promoted at 08:30; v3 has been the challenger since.
    const whole = [aggregate('champion', { versions: [1, 2], ...outcomes(2_000, 5) }), aggregate('challenger', { versions: [2, 3], ...outcomes(1_000, 5) })];
    const live = [aggregate('champion', { versions: [2], ...outcomes(600, 5) }), aggregate('challenger', { versions: [3], ...outcomes(400, 5.05) })];
    const after = { from: new Date('2026-11-24T08:30:00Z'), to: window.to };
    const timeline = [
      { from: new Date('2026-11-24T07:00:00Z'), champion: 1, challenger: 2, challenger_percent: 30 },
      { from: after.from, champion: 2, challenger: 3, challenger_percent: 40 },
    ];
    const minutes = Array.from({ length: 30 }, (_, i) => ({ minute: new Date(after.from.getTime() + i * 60_000), champion: 20, challenger: i % 3 === 0 ? 14 : 13 }));
    const report = buildStatsReport(
      input({ deployment: { champion: 2, challenger: 3, challenger_percent: 40 }, variants: whole, compared: { ranges: [after], variants: live, minutes, timeline } }),
    );
    expect(report.variants.map((v) => v.requests)).toEqual([2_000, 1_000]);
    expect(report.comparison?.window).toEqual({ from: '2026-11-24T08:30:00.000Z', to: '2026-11-24T09:00:00.000Z', minutes: 30 });
    expect(report.comparison?.outcome?.difference).toBeCloseTo(0.05, 9);
    expect(report.comparison?.sample_ratio?.mismatch).toBe(false);
    expect(report.verdict.summary).toContain('Compared over 30 min between 2026-11-24T08:30:00.000Z and 2026-11-24T09:00:00.000Z when champion v2 and challenger v3 were both live');
  });

  it('compares nothing when the current versions were never both live in the window', () => {
    const report = buildStatsReport(
      input({
        variants: [aggregate('champion'), aggregate('challenger')],
        compared: { ranges: [], variants: [], minutes: [], timeline: [{ from: new Date(0), champion: 1, challenger: 2, challenger_percent: 0 }] },
      }),
    );
    expect(report.comparison).toBeNull();
    expect(report.verdict).toMatchObject({ decision: 'no_challenger', summary: expect.stringContaining('did not both receive traffic while both were live') });
  });

  it('declares the challenger better when the sequential test allows it, with accuracy for a classifier', () => {
    const report = buildStatsReport(
      input({
        task: 'classification',
        variants: [
          aggregate('champion', { outputLabels: { a: 600, b: 400 }, outcomeCount: 1_000, outcomeCorrect: 700 }),
          aggregate('challenger', { outputLabels: { a: 500, b: 500 }, outcomeCount: 1_000, outcomeCorrect: 850 }),
        ],
      }),
    );
    expect(report.variants[0].output).toEqual({ class_shares: { a: 0.6, b: 0.4 } });
    expect(report.variants[1].outcome).toMatchObject({ metric: 'accuracy', count: 1_000, accuracy: 0.85 });
    expect(report.comparison?.outcome?.difference).toBeCloseTo(0.15, 12);
    expect(report.verdict.decision).toBe('challenger_better');
    expect(report.verdict.summary).toContain('Promote');
  });

  describe('with ground-truth labels', () => {
    /** n labelled predictions whose absolute errors are all `mae` except a spread of ±`spread`. */
    const regressionLabels = (n: number, mae: number, spread: number) => ({
      ...NO_LABELS,
      count: n,
      absErrorSum: n * mae,
      // Half the errors mae − spread, half mae + spread: Σe² = n(mae² + spread²).
      squaredErrorSum: n * (mae * mae + spread * spread),
      squaredErrorSumSquares: (n / 2) * ((mae - spread) ** 4 + (mae + spread) ** 4),
    });

    it('decides on MAE, lower being better, whatever the mean outcome says', () => {
      const outcomes = (mean: number) => ({ outcomeCount: 1_000, outcomeSum: 1_000 * mean, outcomeSumSquares: 1_000 * (mean * mean + 1) });
      const report = buildStatsReport(
        input({
          variants: [
            aggregate('champion', { ...outcomes(3), labels: regressionLabels(1_000, 2, 1) }),
            // A higher mean outcome (the patients', not the model's), but a much lower MAE.
            aggregate('challenger', { ...outcomes(2), labels: regressionLabels(1_000, 1, 0.5) }),
          ],
        }),
      );
      const [champion, challenger] = report.variants;
      expect(champion.quality).toMatchObject({ task: 'regression', labelled: 1_000, metrics: { mae: { value: 2 }, rmse: { value: Math.sqrt(5) } } });
      expect(challenger.quality?.metrics.mae?.interval?.high).toBeLessThan(champion.quality!.metrics.mae!.interval!.low);
      expect(report.comparison?.quality).toMatchObject({ metric: 'mae', better: 'lower', difference: -1, sequential: { decision: 'treatment_better' } });
      expect(report.comparison?.outcome?.difference).toBeCloseTo(-1, 9);
      expect(report.verdict.decision).toBe('challenger_better');
      expect(report.verdict.summary).toContain('better on MAE');
    });

    it('decides against a classifier with a lower accuracy, and reports log loss and AUC', () => {
      const labels = (correct: number) => ({
        ...NO_LABELS,
        count: 1_000,
        correct,
        logLossCount: 1_000,
        logLossSum: 1_000 * 0.4,
        logLossSumSquares: 1_000 * 0.2,
        scoresPositive: { 150: 400, 90: 100 },
        scoresNegative: { 40: 400, 110: 100 },
      });
      const report = buildStatsReport(input({ task: 'classification', variants: [aggregate('champion', { labels: labels(900) }), aggregate('challenger', { labels: labels(800) })] }));
      const quality = report.variants[0].quality!;
      expect(quality.metrics.accuracy).toMatchObject({ value: 0.9 });
      expect(quality.metrics.log_loss?.value).toBeCloseTo(0.4, 12);
      // Positives in bin 150 beat all 500 negatives; those in bin 90 beat the 400 in bin 40: 240,000 of 250,000 pairs.
      expect(quality.metrics.auc?.value).toBeCloseTo(0.96, 12);
      expect(report.comparison?.quality).toMatchObject({ metric: 'accuracy', better: 'higher', sequential: { decision: 'control_better' } });
      expect(report.comparison?.quality?.difference).toBeCloseTo(-0.1, 12);
      expect(report.verdict.decision).toBe('champion_better');
    });

    it('leaves quality null without labels, and the verdict on outcomes', () => {
      const report = buildStatsReport(input({ variants: [aggregate('champion'), aggregate('challenger')] }));
      expect(report.variants.map((v) => v.quality)).toEqual([null, null]);
      expect(report.comparison?.quality).toBeNull();
      expect(report.verdict.summary).toContain('outcomes');
    });
  });
});
