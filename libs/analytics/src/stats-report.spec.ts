import { latencyBucket } from '@switchyard/statistics';
import type { VariantAggregate } from './rollup-reader';
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
  inputs: {},
  ...overrides,
});

const input = (overrides: Partial<ReportInput>): ReportInput => ({
  model: 'm',
  window,
  task: 'regression',
  deployment: { champion: 1, challenger: 2, challenger_percent: 50 },
  variants: [],
  reference,
  series: [],
  stepSeconds: 60,
  ...overrides,
});

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
});
