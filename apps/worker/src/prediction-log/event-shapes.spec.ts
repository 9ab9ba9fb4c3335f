import * as ort from 'onnxruntime-node';
import type { FeedbackEvent, PredictionEvent } from '@switchyard/queues';
import { packInputColumnMeans } from '@switchyard/tensor';
import { isFeedbackEvent, isPredictionEvent, withInputColumnsRead } from './event-shapes';

const prediction: PredictionEvent = {
  request_id: 'req-1',
  model: 'fraud',
  version: 3,
  variant: 'champion',
  routing_key_hash: '0123456789abcdef',
  at: Date.UTC(2026, 11, 4),
  latency_us: 812,
  status: 200,
  error: null,
  inputs: { amount: 12.5 },
  output: { label: 'fraud', probabilities: [0.2, 0.8] },
  payload: null,
};
/** One row of three columns, packed as a gateway sends it. */
const packedTable = packInputColumnMeans({ x: new ort.Tensor('float64', Float64Array.from([2, -0.25, 0.1]), [1, 3]) });
const feedback: FeedbackEvent = { request_id: 'req-1', model: 'fraud', label: 'fraud', label_index: 1, at: Date.UTC(2026, 11, 4) };

/**
 * The worker writes what passes into PostgreSQL in batches, and a value the columns cannot hold fails
 * the whole batch — retried before anything newer, it would stop ingestion. What passes must fit.
 */
describe('isPredictionEvent', () => {
  it('accepts an event as gateways write it', () => {
    expect(isPredictionEvent(prediction)).toBe(true);
    expect(isPredictionEvent({ ...prediction, routing_key_hash: null, status: 503, error: 'DEPENDENCY_UNAVAILABLE', output: null, inputs: null })).toBe(true);
    expect(isPredictionEvent({ ...prediction, input_columns: null })).toBe(true);
    expect(isPredictionEvent({ ...prediction, input_columns: packedTable })).toBe(true);
  });

  it.each<[string, Partial<Record<keyof PredictionEvent, unknown>>]>([
    ['a version beyond a 32-bit integer', { version: 2 ** 31 }],
    ['version 0', { version: 0 }],
    ['a status beyond a smallint', { status: 70_000 }],
    ['a status that is no HTTP status', { status: 42 }],
    ['a time in seconds, not milliseconds', { at: 1_764_864_000 }],
    ['a time past year 9999', { at: 1e16 }],
    ['a NUL in the request id', { request_id: 'req\u00001' }],
    ['a NUL in the model', { model: 'fr\u0000aud' }],
    ['an error code longer than its column', { error: 'E'.repeat(65) }],
    ['a key pseudonym longer than its column', { routing_key_hash: 'f'.repeat(33) }],
    ['column means that are not base64', { input_columns: { x: 'not base64!' } }],
    ['column means cut inside a mean', { input_columns: { x: Buffer.alloc(12).toString('base64') } }],
    ['column means given as numbers', { input_columns: { x: 1.5 } }],
    ['column means as a list', { input_columns: ['AAAAAAAAAAA='] }],
  ])('refuses %s', (_, change) => {
    expect(isPredictionEvent({ ...prediction, ...change })).toBe(false);
  });
});

describe('withInputColumnsRead', () => {
  it("stores a table's packed column means among the inputs, by column, as an older gateway sent them", () => {
    const read = withInputColumnsRead({ ...prediction, input_columns: packedTable });
    expect(read).toEqual({ ...prediction, inputs: { amount: 12.5, 'x[0]': 2, 'x[1]': -0.25, 'x[2]': 0.1 } });
    expect(read).not.toHaveProperty('input_columns');
    expect(withInputColumnsRead({ ...prediction, inputs: null, input_columns: packedTable }).inputs).toEqual({ 'x[0]': 2, 'x[1]': -0.25, 'x[2]': 0.1 });
  });

  it('leaves an event without packed columns as it is', () => {
    expect(withInputColumnsRead(prediction)).toBe(prediction);
    const none = { ...prediction, input_columns: null };
    expect(withInputColumnsRead(none)).toBe(none);
  });
});

describe('isFeedbackEvent', () => {
  it('accepts an outcome and a label as the gateway writes them', () => {
    expect(isFeedbackEvent(feedback)).toBe(true);
    expect(isFeedbackEvent({ request_id: 'req-1', value: 12.5, at: feedback.at })).toBe(true);
  });

  it.each<[string, Record<string, unknown>]>([
    ['a class index beyond a 32-bit integer', { label_index: 2 ** 31 }],
    ['a time past year 9999', { at: 1e16 }],
    ['a NUL in the request id', { request_id: 'req\u00001' }],
    ['both a value and a label', { value: 1 }],
  ])('refuses %s', (_, change) => {
    expect(isFeedbackEvent({ ...feedback, ...change })).toBe(false);
  });
});
