import type { PredictionEvent } from '@switchyard/queues';
import { driftBin, latencyBucket, SCORE_BINS } from '@switchyard/statistics';
import { type JoinedLabel, rollupLabels, rollupOutcomes, rollupPredictions } from './rollup-deltas';

const MINUTE = 60_000;
const T0 = Date.UTC(2026, 10, 24, 9, 0, 0);

const event = (overrides: Partial<PredictionEvent>): PredictionEvent => ({
  request_id: 'r',
  model: 'm',
  version: 1,
  variant: 'champion',
  routing_key_hash: null,
  at: T0,
  latency_us: 1_000,
  status: 200,
  error: null,
  inputs: null,
  output: null,
  payload: null,
  ...overrides,
});

describe('rollupPredictions', () => {
  it('adds each event to its model, minute, variant and version, once', () => {
    const { rollups } = rollupPredictions([
      event({ at: T0 + 5_000, output: { value: 2 } }),
      event({ at: T0 + 59_999, output: { value: 4 }, latency_us: 2_000 }),
      event({ at: T0 + MINUTE, output: { value: 1 } }),
      event({ variant: 'challenger', version: 2, status: 400, error: 'VALIDATION_FAILED' }),
    ]);
    expect(rollups).toEqual([
      expect.objectContaining({ minute: T0, variant: 'challenger', version: 2, requests: 1, errors: 1, outputCount: 0 }),
      expect.objectContaining({
        minute: T0,
        variant: 'champion',
        version: 1,
        requests: 2,
        errors: 0,
        outputCount: 2,
        outputSum: 6,
        outputSumSquares: 20,
        latency: { [latencyBucket(1_000)]: 1, [latencyBucket(2_000)]: 1 },
      }),
      expect.objectContaining({ minute: T0 + MINUTE, variant: 'champion', requests: 1, outputSum: 1 }),
    ]);
  });

  it('counts class labels and bins each input on the drift grid', () => {
    const { rollups, inputs } = rollupPredictions([
      event({ output: { label: 'cat' }, inputs: { 'x[0]': 1, 'x[1]': -3 } }),
      event({ output: { label: 'cat' }, inputs: { 'x[0]': 1 } }),
      event({ output: { label: 'dog' } }),
    ]);
    expect(rollups[0].outputLabels).toEqual({ cat: 2, dog: 1 });
    expect(inputs).toEqual([
      { model: 'm', minute: T0, variant: 'champion', input: 'x[0]', bins: { [driftBin(1)]: 2 } },
      { model: 'm', minute: T0, variant: 'champion', input: 'x[1]', bins: { [driftBin(-3)]: 1 } },
    ]);
  });

  it('keeps models, minutes, variants and versions apart, whatever their names share, and sorts them', () => {
    const { rollups, inputs } = rollupPredictions([
      event({ model: 'm', version: 12, inputs: { x: 1 } }),
      event({ model: 'm1', version: 2, inputs: { x: 1 } }),
      event({ model: 'm', version: 12, variant: 'challenger', inputs: { x: 1 } }),
      event({ model: 'm', version: 12, at: T0 + MINUTE, inputs: null }),
      event({ model: 'm', version: 1, inputs: { x: 1, y: 2 } }),
      event({ model: 'm1', version: 2, inputs: { x: 1 } }),
    ]);
    expect(rollups.map((r) => [r.model, r.minute - T0, r.variant, r.version, r.requests])).toEqual([
      ['m', 0, 'challenger', 12, 1],
      ['m', 0, 'champion', 1, 1],
      ['m', 0, 'champion', 12, 1],
      ['m', MINUTE, 'champion', 12, 1],
      ['m1', 0, 'champion', 2, 2],
    ]);
    // An input's drift counts every version of the variant together.
    expect(inputs.map((r) => [r.model, r.variant, r.input, r.bins])).toEqual([
      ['m', 'challenger', 'x', { [driftBin(1)]: 1 }],
      ['m', 'champion', 'x', { [driftBin(1)]: 2 }],
      ['m', 'champion', 'y', { [driftBin(2)]: 1 }],
      ['m1', 'champion', 'x', { [driftBin(1)]: 2 }],
    ]);
  });

  it('gives nothing for no events', () => {
    expect(rollupPredictions([])).toEqual({ rollups: [], inputs: [] });
  });
});

describe('rollupOutcomes', () => {
  it('sums numeric outcomes and counts labels equal to the prediction as correct, in the prediction\'s minute', () => {
    const deltas = rollupOutcomes([
      { model: 'm', predictedAt: T0 + 10, variant: 'champion', version: 1, output: { value: 1 }, outcome: 3 },
      { model: 'm', predictedAt: T0 + 20, variant: 'champion', version: 1, output: { value: 1 }, outcome: 5 },
      { model: 'm', predictedAt: T0 + 30, variant: 'challenger', version: 2, output: { label: 'a' }, outcome: 'a' },
      { model: 'm', predictedAt: T0 + 40, variant: 'challenger', version: 2, output: { label: 'a' }, outcome: 'b' },
    ]);
    expect(deltas).toEqual([
      { model: 'm', minute: T0, variant: 'challenger', version: 2, count: 2, sum: 0, sumSquares: 0, correct: 1 },
      { model: 'm', minute: T0, variant: 'champion', version: 1, count: 2, sum: 8, sumSquares: 34, correct: 0 },
    ]);
  });
});

describe('rollupLabels', () => {
  const joined = (overrides: Partial<JoinedLabel>): JoinedLabel => ({ model: 'm', predictedAt: T0, variant: 'champion', version: 1, output: null, label: 0, labelIndex: null, ...overrides });

  it('adds regression errors: absolute, squared and to the fourth', () => {
    const [delta, ...rest] = rollupLabels([joined({ output: { value: 3 }, label: 1 }), joined({ output: { value: 1 }, label: 2, predictedAt: T0 + 30_000 })]);
    expect(rest).toEqual([]);
    expect(delta).toMatchObject({ minute: T0, count: 2, absErrorSum: 3, squaredErrorSum: 5, squaredErrorSumSquares: 17, correct: 0, logLossCount: 0 });
  });

  it('adds a classifier\'s hits, log loss and, for two classes, the score of class 1 by true class', () => {
    const [delta] = rollupLabels([
      joined({ output: { label: 'yes', probabilities: [0.2, 0.8] }, label: 'yes', labelIndex: 1 }),
      joined({ output: { label: 'yes', probabilities: [0.4, 0.6] }, label: 'no', labelIndex: 0 }),
      // No probabilities served: accuracy only.
      joined({ output: { label: 'no' }, label: 'no', labelIndex: 0 }),
    ]);
    expect(delta).toMatchObject({ count: 3, correct: 2, logLossCount: 2 });
    expect(delta.logLossSum).toBeCloseTo(-Math.log(0.8) - Math.log(0.4), 12);
    expect(delta.scoresPositive).toEqual({ [Math.floor(0.8 * SCORE_BINS)]: 1 });
    expect(delta.scoresNegative).toEqual({ [Math.floor(0.6 * SCORE_BINS)]: 1 });
  });

  it('keeps apart minutes, variants and versions, and leaves out labels with no usable prediction', () => {
    const deltas = rollupLabels([
      joined({ output: { value: 1 }, label: 1 }),
      joined({ output: { value: 1 }, label: 1, variant: 'challenger', version: 2 }),
      joined({ output: { value: 1 }, label: 1, predictedAt: T0 + MINUTE }),
      joined({ output: null, label: 1, predictedAt: T0 + 2 * MINUTE }),
    ]);
    expect(deltas.map((d) => [d.minute - T0, d.variant, d.count])).toEqual([
      [0, 'challenger', 1],
      [0, 'champion', 1],
      [MINUTE, 'champion', 1],
    ]);
  });
});
