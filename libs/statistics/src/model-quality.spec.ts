import { aucFromHistograms, logLoss, logLossWithInterval, maeWithInterval, rmseWithInterval, SCORE_BINS, scoreBin } from './model-quality';

/** Sums of a list of errors, as the rollups hold them. */
function sums(errors: number[]) {
  return {
    count: errors.length,
    abs: errors.reduce((s, e) => s + Math.abs(e), 0),
    sq: errors.reduce((s, e) => s + e * e, 0),
    sq2: errors.reduce((s, e) => s + e ** 4, 0),
  };
}

describe('model-quality metrics from sums', () => {
  it('gives MAE and its t-interval', () => {
    // Absolute errors 1, 2, 3, 4: mean 2.5, sd √(5/3); t(0.975, 3) = 3.182446.
    const { count, abs, sq } = sums([1, -2, 3, -4]);
    const mae = maeWithInterval(count, abs, sq);
    expect(mae.value).toBe(2.5);
    const half = 3.182446305284263 * Math.sqrt(5 / 3) / 2;
    expect(mae.interval?.low).toBeCloseTo(Math.max(0, 2.5 - half), 9);
    expect(mae.interval?.high).toBeCloseTo(2.5 + half, 9);
  });

  it('gives RMSE with the interval of the MSE carried through the square root', () => {
    const { count, sq, sq2 } = sums([1, -1, 3, -3]);
    const rmse = rmseWithInterval(count, sq, sq2);
    expect(rmse.value).toBeCloseTo(Math.sqrt(5), 12);
    // Squared errors 1, 1, 9, 9: mean 5, sd √(64/3).
    const half = 3.182446305284263 * Math.sqrt(64 / 3) / 2;
    expect(rmse.interval?.low).toBe(Math.sqrt(Math.max(0, 5 - half)));
    expect(rmse.interval?.high).toBeCloseTo(Math.sqrt(5 + half), 12);
  });

  it('is null without labels, and without an interval from one', () => {
    expect(maeWithInterval(0, 0, 0)).toEqual({ value: null, interval: null });
    expect(rmseWithInterval(1, 4, 16)).toEqual({ value: 2, interval: null });
  });

  it('clips probabilities before the log loss', () => {
    expect(logLoss(1)).toBe(-0);
    expect(logLoss(0.5)).toBeCloseTo(Math.LN2, 15);
    expect(logLoss(0)).toBeCloseTo(-Math.log(1e-15), 9);
    const losses = [logLoss(0.9), logLoss(0.8), logLoss(0.6)];
    const estimate = logLossWithInterval(3, losses.reduce((a, b) => a + b), losses.reduce((a, b) => a + b * b));
    expect(estimate.value).toBeCloseTo((-Math.log(0.9) - Math.log(0.8) - Math.log(0.6)) / 3, 12);
  });

  it('computes the AUC as the Mann–Whitney probability, ties counting half', () => {
    const histogram = (scores: number[]) => scores.reduce<Record<string, number>>((h, s) => ({ ...h, [scoreBin(s)]: (h[scoreBin(s)] ?? 0) + 1 }), {});
    // Positives 0.9, 0.7, 0.4; negatives 0.8, 0.3, 0.1, 0.4: of 12 pairs the positives win 9 (4 + 3 + 2) and tie 1 (0.4 vs 0.4).
    const auc = aucFromHistograms(histogram([0.9, 0.7, 0.4]), histogram([0.8, 0.3, 0.1, 0.4]));
    expect(auc.value).toBeCloseTo(9.5 / 12, 12);
    expect(auc.interval!.low).toBeLessThan(auc.value!);
    expect(auc.interval!.high).toBeLessThanOrEqual(1);
    // Perfect separation: 1, and the interval stays inside [0, 1].
    expect(aucFromHistograms(histogram([0.9, 0.95]), histogram([0.1, 0.2])).value).toBe(1);
    expect(aucFromHistograms(histogram([0.9]), {})).toEqual({ value: null, interval: null });
  });

  it('matches the Hanley–McNeil standard error', () => {
    // 50 positives all in the top bin, 50 negatives split between the bottom and top bins: AUC 0.75.
    const auc = aucFromHistograms({ [SCORE_BINS - 1]: 50 }, { 0: 25, [SCORE_BINS - 1]: 25 });
    expect(auc.value).toBeCloseTo(0.75, 12);
    const a = 0.75;
    const q1 = a / (2 - a);
    const q2 = (2 * a * a) / (1 + a);
    const se = Math.sqrt((a * (1 - a) + 49 * (q1 - a * a) + 49 * (q2 - a * a)) / 2_500);
    expect(auc.interval!.low).toBeCloseTo(a - 1.959963984540054 * se, 9);
  });

  it('bins scores in [0, 1] and clamps outside', () => {
    expect(scoreBin(0)).toBe(0);
    expect(scoreBin(1)).toBe(SCORE_BINS - 1);
    expect(scoreBin(-0.2)).toBe(0);
    expect(scoreBin(0.5)).toBe(SCORE_BINS / 2);
  });
});
