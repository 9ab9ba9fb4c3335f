import * as ort from 'onnxruntime-node';
import { inputSummary, isPackedColumnMeans, packInputColumnMeans, summarizeInputMeans, summarizeOutput } from './summaries';

const f32 = (values: number[], dims: number[]) => new ort.Tensor('float32', Float32Array.from(values), dims);

/** What a worker stores of a gateway's event: both parts sent through JSON, as the stream carries them, and put together. */
function summarizeInputs(feeds: Record<string, ort.Tensor>): Record<string, number> | null {
  const sent = JSON.parse(JSON.stringify({ inputs: summarizeInputMeans(feeds), input_columns: packInputColumnMeans(feeds) })) as {
    inputs: Record<string, number> | null;
    input_columns: Record<string, string> | null;
  };
  for (const packed of Object.values(sent.input_columns ?? {})) expect(isPackedColumnMeans(packed)).toBe(true);
  return inputSummary(sent.inputs, sent.input_columns);
}

describe('summarizeInputs', () => {
  it('takes a column mean of a feature matrix', () => {
    expect(summarizeInputs({ x: f32([1, 10, 3, 30], [2, 2]) })).toEqual({ 'x[0]': 2, 'x[1]': 20 });
  });

  it('names each column by its own input, for inputs of any width, however many inputs it has seen', () => {
    expect(summarizeInputs({ x: f32([1, 2, 3], [1, 3]), y: f32([4, 5], [1, 2]) })).toEqual({ 'x[0]': 1, 'x[1]': 2, 'x[2]': 3, 'y[0]': 4, 'y[1]': 5 });
    // More input names than the column names kept for them: the oldest are made again, alike.
    for (let i = 0; i < 1_100; i++) expect(summarizeInputs({ [`in${i}`]: f32([i, 1], [1, 2]) })).toEqual({ [`in${i}[0]`]: i, [`in${i}[1]`]: 1 });
    expect(summarizeInputs({ x: f32(Array.from({ length: 32 }, (_, i) => i), [1, 32]) })).toEqual(Object.fromEntries(Array.from({ length: 32 }, (_, i) => [`x[${i}]`, i])));
  });

  it('takes one mean of an image-like input', () => {
    expect(summarizeInputs({ image: f32([1, 2, 3, 4, 5, 6, 7, 8], [1, 2, 2, 2]) })).toEqual({ image: 4.5 });
  });

  it('takes one mean of a matrix wider than 32 columns', () => {
    expect(summarizeInputs({ x: f32(Array.from({ length: 64 }, (_, i) => i), [1, 64]) })).toEqual({ x: 31.5 });
  });

  it('reads int64 inputs as numbers and skips strings', () => {
    const feeds = {
      ids: new ort.Tensor('int64', BigInt64Array.from([2n, 4n]), [2]),
      names: new ort.Tensor('string', ['a', 'b'], [2]),
    };
    expect(summarizeInputs(feeds)).toEqual({ ids: 3 });
  });

  it('takes column means of int64, float64 and bool tables over several rows, and leaves out a column that is not finite', () => {
    expect(summarizeInputs({ ids: new ort.Tensor('int64', BigInt64Array.from([1n, 10n, 3n, 30n, 5n, 50n]), [3, 2]) })).toEqual({ 'ids[0]': 3, 'ids[1]': 30 });
    expect(summarizeInputs({ flags: new ort.Tensor('bool', Uint8Array.from([1, 0, 1, 1]), [2, 2]) })).toEqual({ 'flags[0]': 1, 'flags[1]': 0.5 });
    expect(summarizeInputs({ x: new ort.Tensor('float64', Float64Array.from([1, NaN, 3, 2]), [2, 2]) })).toEqual({ 'x[0]': 2 });
    expect(summarizeInputs({ x: new ort.Tensor('float64', Float64Array.from([Infinity, NaN]), [1, 2]) })).toBeNull();
  });

  it('gives null when nothing can be summarised', () => {
    expect(summarizeInputs({ names: new ort.Tensor('string', ['a'], [1]) })).toBeNull();
  });

  it('sends a table only as packed column means, and each mean exactly as the double it was', () => {
    const values = [0.1, 1 / 3, -2.5e-300, 1.7976931348623157e308, 123456789.123, 2 ** -1074];
    const table = new ort.Tensor('float64', Float64Array.from(values), [1, values.length]);
    expect(summarizeInputMeans({ x: table, scalar: f32([4], [1]) })).toEqual({ scalar: 4 });
    const packed = packInputColumnMeans({ x: table, scalar: f32([4], [1]) });
    expect(Object.keys(packed ?? {})).toEqual(['x']);
    expect(Buffer.from(packed!.x, 'base64').length).toBe(values.length * 8);
    expect(Object.values(inputSummary(null, packed) ?? {})).toEqual(values);
    expect(packInputColumnMeans({ image: f32([1, 2, 3, 4, 5, 6, 7, 8], [1, 2, 2, 2]) })).toBeUndefined();
  });

  it('puts the parts together without changing the whole-input means it is given', () => {
    const means = { scalar: 4 };
    const packed = packInputColumnMeans({ x: f32([1, 2], [1, 2]) });
    expect(inputSummary(means, packed)).toEqual({ scalar: 4, 'x[0]': 1, 'x[1]': 2 });
    expect(means).toEqual({ scalar: 4 });
    expect(inputSummary(means, null)).toBe(means);
    expect(inputSummary(null, undefined)).toBeNull();
  });
});

describe('isPackedColumnMeans', () => {
  it('accepts what a gateway packs, from 2 to 32 columns', () => {
    for (const columns of [2, 3, 7, 32]) {
      const packed = packInputColumnMeans({ x: f32(Array.from({ length: columns }, (_, i) => i / 7), [1, columns]) });
      expect(isPackedColumnMeans(packed?.x)).toBe(true);
    }
  });

  it('refuses what no gateway sends: another type, an empty or broken text, a part of a mean, more than 32 means', () => {
    const eight = Buffer.alloc(8).toString('base64');
    expect(isPackedColumnMeans(eight)).toBe(true);
    for (const value of [undefined, null, 3, ['AAAA'], '', 'AAAAAAAAAA=', 'AAAA', 'AAAAAA*AAAA=', Buffer.alloc(12).toString('base64'), Buffer.alloc(33 * 8).toString('base64')]) {
      expect(isPackedColumnMeans(value)).toBe(false);
    }
  });
});

describe('summarizeOutput', () => {
  it('gives a regression its first row', () => {
    expect(summarizeOutput({ y: f32([2.5, 7], [2, 1]) }, 'regression', null)).toEqual({ value: 2.5 });
  });

  it('gives a classifier the index of its highest score, named by its labels when it has them', () => {
    const scores = { p: f32([0.1, 0.7, 0.2, 0.9, 0, 0], [2, 3]) };
    expect(summarizeOutput(scores, 'classification', null)).toEqual({ label: '1', probabilities: [expect.closeTo(0.1, 6), expect.closeTo(0.7, 6), expect.closeTo(0.2, 6)] });
    expect(summarizeOutput(scores, 'classification', ['cat', 'dog', 'eel'])).toMatchObject({ label: 'dog' });
  });

  it('keeps probabilities only when the scores are probabilities', () => {
    // Logits: not in [0, 1], so no probabilities.
    expect(summarizeOutput({ logits: f32([-1, 3, 0.5], [1, 3]) }, 'classification', null)).toEqual({ label: '1' });
    // In [0, 1] but not summing to 1 (independent sigmoids).
    expect(summarizeOutput({ s: f32([0.9, 0.8], [1, 2]) }, 'classification', null)).toEqual({ label: '0' });
  });

  it('takes the probabilities from another output beside a label output, as scikit-learn models give them', () => {
    const results = { label: new ort.Tensor('int64', BigInt64Array.from([1n]), [1]), probabilities: f32([0.25, 0.75], [1, 2]) };
    expect(summarizeOutput(results, 'classification', null, 'label')).toEqual({ label: '1', probabilities: [0.25, 0.75] });
  });

  it('gives a label output its first label', () => {
    expect(summarizeOutput({ label: new ort.Tensor('int64', BigInt64Array.from([2n, 0n]), [2]) }, 'classification', null)).toEqual({ label: '2' });
    expect(summarizeOutput({ label: new ort.Tensor('string', ['spam'], [1]) }, 'classification', null)).toEqual({ label: 'spam' });
  });

  it('reads the named output when one is given', () => {
    const results = { label: new ort.Tensor('int64', BigInt64Array.from([1n]), [1]), p: f32([0.9, 0.1], [1, 2]) };
    expect(summarizeOutput(results, 'classification', null, 'p')).toEqual({ label: '0', probabilities: [expect.closeTo(0.9, 6), expect.closeTo(0.1, 6)] });
  });

  it('gives null for an empty output', () => {
    expect(summarizeOutput({ y: f32([], [0, 1]) }, 'regression', null)).toBeNull();
  });
});
