import { carveTypedArray, compactData, MAX_CARVED_BYTES, SLAB_BYTES } from './typed-array-slab';

describe('carveTypedArray', () => {
  it('gives zero-filled arrays of the length asked, each its own memory though they share a buffer', () => {
    const a = carveTypedArray(Float32Array, 64);
    const b = carveTypedArray(Float32Array, 64);
    expect(a).toHaveLength(64);
    expect(a.buffer).toBe(b.buffer);
    expect([...a, ...b].every((value) => value === 0)).toBe(true);
    a.fill(1.5);
    b.fill(-2);
    expect([...a].every((value) => value === 1.5)).toBe(true);
    expect([...b].every((value) => value === -2)).toBe(true);
  });

  it('aligns every region for its elements, whatever came before (float64 and int64 after odd byte counts)', () => {
    carveTypedArray(Uint8Array, 3);
    const doubles = carveTypedArray(Float64Array, 5);
    carveTypedArray(Int16Array, 1);
    const integers = carveTypedArray(BigInt64Array, 2);
    expect(doubles.byteOffset % 8).toBe(0);
    expect(integers.byteOffset % 8).toBe(0);
    integers[1] = -(2n ** 63n);
    expect(integers[1]).toBe(-(2n ** 63n));
  });

  it('starts a new buffer when the current one is full, and never hands a region out twice', () => {
    const count = MAX_CARVED_BYTES / 4;
    const arrays = Array.from({ length: (2 * SLAB_BYTES) / MAX_CARVED_BYTES + 1 }, () => carveTypedArray(Float32Array, count));
    expect(new Set(arrays.map((array) => array.buffer)).size).toBeGreaterThanOrEqual(2);
    const regions = arrays.map((array) => [array.buffer, array.byteOffset, array.byteOffset + array.byteLength] as const);
    for (const [i, [buffer, start, end]] of regions.entries()) {
      for (const [other, otherStart, otherEnd] of regions.slice(i + 1)) {
        if (other === buffer) expect(end <= otherStart || otherEnd <= start).toBe(true);
      }
    }
    arrays.forEach((array, i) => array.fill(i));
    arrays.forEach((array, i) => expect(array[0]).toBe(i));
  });

  it('gives an array larger than a quarter of a slab a buffer of its own, and an empty one too', () => {
    const large = carveTypedArray(Float32Array, MAX_CARVED_BYTES / 4 + 1);
    expect(large.byteOffset).toBe(0);
    expect(large.buffer.byteLength).toBe(large.byteLength);
    expect(carveTypedArray(Float32Array, 0)).toHaveLength(0);
  });
});

describe('compactData', () => {
  it('returns an array spanning its whole buffer as it is', () => {
    const own = new Float32Array([1, 2, 3]);
    expect(compactData(own)).toBe(own);
  });

  it('copies a view on part of a buffer into an array of its own, same values', () => {
    const carved = carveTypedArray(Float32Array, 3);
    carved.set([1, 2, 3]);
    const compact = compactData(carved);
    expect(compact).not.toBe(carved);
    expect(compact.buffer.byteLength).toBe(12);
    expect([...compact]).toEqual([1, 2, 3]);
  });
});
