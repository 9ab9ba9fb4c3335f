import type { PredictionEvent } from '@switchyard/queues';
import { differenceBucket, latencyBucket } from '@switchyard/statistics';
import { rollupShadowAnswers, rollupShadowOutcomes } from './shadow-rollup-deltas';

const MINUTE = 60_000;
const T0 = Date.UTC(2026, 11, 1, 10, 0, 0);

function shadowEvent(extra: Partial<PredictionEvent>): PredictionEvent {
  return {
    request_id: 'r', model: 'm', version: 3, variant: 'shadow', routing_key_hash: null, at: T0, latency_us: 100,
    status: 200, error: null, inputs: null, output: null, payload: null, champion_output: null, ...extra,
  };
}

describe('rollupShadowAnswers', () => {
  it('counts agreement of classes with the champion, per minute and shadow version', () => {
    const deltas = rollupShadowAnswers([
      shadowEvent({ output: { label: 'a' }, champion_output: { label: 'a' } }),
      shadowEvent({ output: { label: 'b' }, champion_output: { label: 'a' } }),
      shadowEvent({ output: { label: 'c' }, champion_output: { label: 'c' }, at: T0 + 59_999 }),
      shadowEvent({ output: { label: 'a' }, champion_output: { label: 'a' }, at: T0 + MINUTE }),
      shadowEvent({ output: { label: 'a' }, champion_output: { label: 'a' }, version: 4 }),
    ]);
    expect(deltas.map((d) => [d.minute - T0, d.version, d.requests, d.compared, d.agreements])).toEqual([
      [0, 3, 3, 3, 2],
      [0, 4, 1, 1, 1],
      [MINUTE, 3, 1, 1, 1],
    ]);
  });

  it('sums shadow − champion and buckets its absolute value for regression', () => {
    const [delta] = rollupShadowAnswers([
      shadowEvent({ output: { value: 1.5 }, champion_output: { value: 1 } }),
      shadowEvent({ output: { value: 0.25 }, champion_output: { value: 1 } }),
      shadowEvent({ output: { value: 2 }, champion_output: { value: 2 } }),
    ]);
    expect(delta).toMatchObject({ compared: 0, differenceCount: 3, differenceSum: -0.25, differenceAbsSum: 1.25 });
    expect(delta.differenceAbsBuckets).toEqual({
      [differenceBucket(0.5)]: 1,
      [differenceBucket(0.75)]: 1,
      '0': 1,
    });
  });

  it('counts a failed copy as an error with its latency, and compares nothing for it or for a missing champion output', () => {
    const [delta] = rollupShadowAnswers([
      shadowEvent({ status: 500, error: 'INTERNAL', latency_us: 2_000, champion_output: { value: 1 } }),
      shadowEvent({ output: { value: 1 }, champion_output: null }),
      shadowEvent({ output: { label: '1' }, champion_output: { value: 1 } }),
    ]);
    expect(delta).toMatchObject({ requests: 3, errors: 1, compared: 0, differenceCount: 0 });
    expect(delta.latency).toEqual({ [latencyBucket(2_000)]: 1, [latencyBucket(100)]: 2 });
  });
});

describe('rollupShadowOutcomes', () => {
  it('counts correct classes against text outcomes and errors against numeric ones', () => {
    const deltas = rollupShadowOutcomes([
      { model: 'm', predictedAt: T0, version: 3, output: { label: 'yes' }, outcome: 'yes' },
      { model: 'm', predictedAt: T0, version: 3, output: { label: 'no' }, outcome: 'yes' },
      { model: 'm', predictedAt: T0, version: 3, output: { value: 10 }, outcome: 7 },
      { model: 'm', predictedAt: T0, version: 3, output: { value: 1 }, outcome: 2 },
      { model: 'm', predictedAt: T0, version: 3, output: null, outcome: 2 },
    ]);
    expect(deltas).toEqual([{ model: 'm', minute: T0, version: 3, count: 5, correct: 1, errorCount: 2, absErrorSum: 4, squaredErrorSum: 10 }]);
  });
});
