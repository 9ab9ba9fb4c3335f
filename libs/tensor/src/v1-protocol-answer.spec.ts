import { columnarOutputs, predictionRows } from './v1-protocol-answer';

describe('predictionRows', () => {
  it("gives a one-output model's rows themselves", () => {
    expect(predictionRows({ y: [[1, 2], [3, 4]] }, 2)).toEqual({ rows: [[1, 2], [3, 4]] });
    expect(predictionRows({ label: ['a', 'b', 'c'] }, 3)).toEqual({ rows: ['a', 'b', 'c'] });
  });

  it('gives one object of output name → row per instance for several outputs', () => {
    const outputs = { output_label: [1, 0], output_probability: [{ 0: 0.2, 1: 0.8 }, { 0: 0.9, 1: 0.1 }] };
    expect(predictionRows(outputs, 2)).toEqual({
      rows: [
        { output_label: 1, output_probability: { 0: 0.2, 1: 0.8 } },
        { output_label: 0, output_probability: { 0: 0.9, 1: 0.1 } },
      ],
    });
  });

  it('names the outputs with no row per instance', () => {
    expect(predictionRows({ y: [[1], [2]], total: 3, mean: [1.5] }, 2)).toEqual({ unbatched: ['total', 'mean'] });
    expect(predictionRows({ y: [1, 2, 3] }, 2)).toEqual({ unbatched: ['y'] });
  });

  it('answers no instances with no rows', () => {
    expect(predictionRows({ a: [], b: [] }, 0)).toEqual({ rows: [] });
  });
});

describe('columnarOutputs', () => {
  it("gives a one-output model's value itself, and several outputs by name", () => {
    expect(columnarOutputs({ y: [[1, 2]] })).toEqual([[1, 2]]);
    expect(columnarOutputs({ y: 2.5 })).toBe(2.5);
    expect(columnarOutputs({ a: [1], b: [2] })).toEqual({ a: [1], b: [2] });
  });
});
