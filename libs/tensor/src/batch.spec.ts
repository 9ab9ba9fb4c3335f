import * as ort from 'onnxruntime-node';
import { concatAlongBatch, splitAlongBatch } from './batch';

describe('concatAlongBatch / splitAlongBatch', () => {
  it('joins float rows in order and splits them back', () => {
    const a = new ort.Tensor('float32', Float32Array.from([1, 2, 3, 4]), [2, 2]);
    const b = new ort.Tensor('float32', Float32Array.from([5, 6]), [1, 2]);
    const joined = concatAlongBatch([a, b]);
    expect(joined.dims).toEqual([3, 2]);
    expect(Array.from(joined.data as Float32Array)).toEqual([1, 2, 3, 4, 5, 6]);
    const [x, y] = splitAlongBatch(joined, [2, 1]);
    expect({ dims: x.dims, data: Array.from(x.data as Float32Array) }).toEqual({ dims: [2, 2], data: [1, 2, 3, 4] });
    expect({ dims: y.dims, data: Array.from(y.data as Float32Array) }).toEqual({ dims: [1, 2], data: [5, 6] });
  });

  it('keeps int64, bool and string data exact', () => {
    const ints = concatAlongBatch([
      new ort.Tensor('int64', BigInt64Array.from([9007199254740993n]), [1]),
      new ort.Tensor('int64', BigInt64Array.from([-1n, 2n]), [2]),
    ]);
    expect(ints.type).toBe('int64');
    expect(Array.from(ints.data as BigInt64Array)).toEqual([9007199254740993n, -1n, 2n]);
    const bools = concatAlongBatch([new ort.Tensor('bool', Uint8Array.from([1]), [1]), new ort.Tensor('bool', Uint8Array.from([0]), [1])]);
    expect(Array.from(bools.data as Uint8Array)).toEqual([1, 0]);
    const strings = concatAlongBatch([new ort.Tensor('string', ['a'], [1, 1]), new ort.Tensor('string', ['b', 'c'], [2, 1])]);
    expect(strings.data).toEqual(['a', 'b', 'c']);
    expect(splitAlongBatch(strings, [1, 2]).map((t) => t.data)).toEqual([['a'], ['b', 'c']]);
  });

  it('returns a single tensor unchanged and handles rank-1 batches', () => {
    const only = new ort.Tensor('float32', Float32Array.from([7]), [1]);
    expect(concatAlongBatch([only])).toBe(only);
    const parts = splitAlongBatch(new ort.Tensor('float32', Float32Array.from([1, 2, 3]), [3]), [1, 1, 1]);
    expect(parts.map((t) => [t.dims, Array.from(t.data as Float32Array)])).toEqual([
      [[1], [1]],
      [[1], [2]],
      [[1], [3]],
    ]);
  });
});
