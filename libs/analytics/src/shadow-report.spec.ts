import { differenceBucket, latencyBucket } from '@switchyard/statistics';
import { buildShadowReport, reportedShadow } from './shadow-report';
import type { ShadowAggregate } from './shadow-rollup-reader';
import { buildStatsReport } from './stats-report';

const aggregate = (overrides: Partial<ShadowAggregate> = {}): ShadowAggregate => ({
  version: 3,
  requests: 200,
  errors: 4,
  latency: { [latencyBucket(2_000)]: 200 },
  compared: 0,
  agreements: 0,
  differenceCount: 0,
  differenceSum: 0,
  differenceAbsSum: 0,
  differenceAbsBuckets: {},
  outcomeCount: 0,
  outcomeCorrect: 0,
  outcomeErrorCount: 0,
  outcomeAbsErrorSum: 0,
  outcomeSquaredErrorSum: 0,
  ...overrides,
});

describe('buildShadowReport', () => {
  it('is null when no shadow answered', () => {
    expect(buildShadowReport(null, 'regression')).toBeNull();
    expect(buildShadowReport(aggregate({ requests: 0, errors: 0, latency: {} }), 'regression')).toBeNull();
  });

  it('gives the agreement of classes with its Wilson interval, the error rate and the latency', () => {
    const report = buildShadowReport(aggregate({ compared: 196, agreements: 147 }), 'classification')!;
    expect(report.version).toBe(3);
    expect(report.error_rate).toBeCloseTo(0.02, 12);
    expect(report.latency_ms.p99).toBeCloseTo(2, 1);
    expect(report.output_difference).toBeNull();
    // Wilson 95 % for 147/196 = 0.75, computed by hand: centre (0.75 + z²/392)/(1 + z²/196) with z = 1.959964.
    const z = 1.959963984540054;
    const n = 196;
    const centre = (0.75 + (z * z) / (2 * n)) / (1 + (z * z) / n);
    const half = (z / (1 + (z * z) / n)) * Math.sqrt((0.75 * 0.25) / n + (z * z) / (4 * n * n));
    expect(report.agreement).toEqual({ rate: 0.75, compared: 196, interval: { low: expect.closeTo(centre - half, 9), high: expect.closeTo(centre + half, 9) } });
    expect(report.quality).toBeNull();
  });

  it('gives the distribution of shadow − champion for regression', () => {
    const buckets = { [differenceBucket(0.1)]: 50, [differenceBucket(0.2)]: 45, [differenceBucket(3)]: 5 };
    const report = buildShadowReport(aggregate({ differenceCount: 100, differenceSum: -12, differenceAbsSum: 29, differenceAbsBuckets: buckets }), 'regression')!;
    expect(report.agreement).toBeNull();
    expect(report.output_difference).toEqual({
      compared: 100,
      mean: -0.12,
      mean_absolute: 0.29,
      p50_absolute: expect.closeTo(0.1, 2),
      p95_absolute: expect.closeTo(0.2, 2),
    });
  });

  it('judges the shadow on outcomes: accuracy for classes, MAE with its interval and RMSE for values', () => {
    const classes = buildShadowReport(aggregate({ compared: 10, agreements: 10, outcomeCount: 50, outcomeCorrect: 40 }), 'classification')!;
    expect(classes.quality).toMatchObject({ task: 'classification', labelled: 50, metrics: { accuracy: { value: 0.8 } } });

    // Absolute errors 1, 1, 2, 4: MAE 2, sample sd √2, t(0.975, 3) = 3.182446; RMSE √(22/4).
    const values = buildShadowReport(aggregate({ outcomeCount: 4, outcomeErrorCount: 4, outcomeAbsErrorSum: 8, outcomeSquaredErrorSum: 22 }), 'regression')!;
    const half = (3.182446305284263 * Math.sqrt(2)) / 2;
    expect(values.quality).toEqual({
      task: 'regression',
      labelled: 4,
      metrics: { mae: { value: 2, interval: { low: expect.closeTo(2 - half, 6), high: expect.closeTo(2 + half, 6) } }, rmse: { value: Math.sqrt(5.5), interval: null } },
    });
  });
});

describe('reportedShadow', () => {
  it('reports the deployed shadow when it answered, otherwise the newest version that did', () => {
    const three = aggregate({ version: 3 });
    const five = aggregate({ version: 5 });
    const silent = aggregate({ version: 7, requests: 0 });
    expect(reportedShadow([three, five, silent], 3)).toBe(three);
    expect(reportedShadow([three, five, silent], 7)).toBe(five);
    expect(reportedShadow([three, five], null)).toBe(five);
    expect(reportedShadow([], 3)).toBeNull();
  });
});

describe('the stats report with a shadow', () => {
  it('carries the shadow section and leaves the champion/challenger comparison to callers\' traffic', () => {
    const window = { from: new Date('2026-11-24T08:00:00Z'), to: new Date('2026-11-24T09:00:00Z') };
    const report = buildStatsReport({
      model: 'm',
      window,
      task: 'classification',
      deployment: { champion: 1, challenger: null, challenger_percent: 0 },
      variants: [],
      compared: null,
      reference: { ...window, requests: 0, inputs: {} },
      series: [],
      stepSeconds: 60,
      shadows: [aggregate({ compared: 200, agreements: 180 })],
      shadowVersion: 3,
    });
    expect(report.shadow).toMatchObject({ version: 3, requests: 200, agreement: { rate: 0.9, compared: 200 } });
    expect(report.variants).toEqual([]);
    expect(report.comparison).toBeNull();
  });
});
