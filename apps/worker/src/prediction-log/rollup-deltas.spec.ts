import type { PredictionEvent } from '@switchyard/queues';
import { driftBin, latencyBucket } from '@switchyard/statistics';
import { rollupOutcomes, rollupPredictions } from './rollup-deltas';

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
