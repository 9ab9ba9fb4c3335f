import { elementCountOf, rowMajorStrides, shapeMismatch } from './shape';

describe('elementCountOf', () => {
  it('multiplies the dimensions; a scalar holds one element, a zero dimension none', () => {
    expect(elementCountOf([])).toBe(1);
    expect(elementCountOf([3])).toBe(3);
    expect(elementCountOf([2, 3, 4])).toBe(24);
    expect(elementCountOf([5, 0, 2])).toBe(0);
  });
});

describe('rowMajorStrides', () => {
  it('steps the last axis fastest', () => {
    expect(rowMajorStrides([2, 3, 4])).toEqual([12, 4, 1]);
    expect(rowMajorStrides([])).toEqual([]);
  });
});

describe('shapeMismatch', () => {
  const spec = { name: 'x', datatype: 'FP32', shape: [-1, 64] };

  it('accepts any size of at least 1 for an open dimension and exact sizes for fixed ones', () => {
    expect(shapeMismatch(spec, [1, 64])).toBeUndefined();
    expect(shapeMismatch(spec, [1000, 64])).toBeUndefined();
    expect(shapeMismatch({ ...spec, shape: [] }, [])).toBeUndefined();
  });

  it('names a wrong rank, a wrong fixed size and an empty open dimension', () => {
    expect(shapeMismatch(spec, [64])).toBe('expected shape [-1, 64] (rank 2), got [64] (rank 1)');
    expect(shapeMismatch(spec, [2, 63])).toBe('dimension 1 must be 64 (shape [-1, 64]), got 63');
    expect(shapeMismatch(spec, [0, 64])).toBe('dimension 0 must be at least 1 (shape [-1, 64]), got 0');
    expect(shapeMismatch({ ...spec, shape: [] }, [1])).toBe('expected a scalar (shape []), got shape [1]');
  });
});
