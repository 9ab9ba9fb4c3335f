import { differenceBucket, differenceBucketValue, bucketEntries, LATENCY_BUCKET_RATIO, latencyBucket, latencyBucketValue, mergeCounts, quantileFromBuckets } from './histogram';

describe('latencyBucket', () => {
  // Python: 0 if v < 1 else 1 + math.floor(math.log(v) / math.log(1.02))
  it.each([
    [0, 0],
    [0.999, 0],
    [1, 1],
    [1.0199, 1],
    [1.02, 2],
    [150, 254],
    [1000, 349],
    [1e6, 698],
    [2e7, 849],
    [86_400e6, 1272],
  ])('%p µs → bucket %p', (microseconds, bucket) => {
    expect(latencyBucket(microseconds)).toBe(bucket);
  });

  it('represents every value within 1 % by its bucket value', () => {
    let worst = 0;
    for (let v = 1; v < 1e8; v *= 1.0007) worst = Math.max(worst, Math.abs(latencyBucketValue(latencyBucket(v)) - v) / v);
    expect(worst).toBeLessThanOrEqual(Math.sqrt(LATENCY_BUCKET_RATIO) - 1 + 1e-12);
    expect(worst).toBeGreaterThan(0.0098);
  });

  it('refuses what is not a latency', () => {
    expect(() => latencyBucket(-1)).toThrow(RangeError);
    expect(() => latencyBucket(NaN)).toThrow(RangeError);
    expect(() => latencyBucket(Infinity)).toThrow(RangeError);
  });
});

describe('latencyBucketValue', () => {
  // Python: 1.02 ** (b - 0.5)
  it.each([
    [0, 0.5],
    [1, 1.0099504938362078],
    [2, 1.030149503712932],
    [349, 993.4816708161211],
    [698, 996827.0256777715],
  ])('bucket %p stands for %p µs', (bucket, value) => {
    expect(latencyBucketValue(bucket)).toBeCloseTo(value, 8);
  });

  it('refuses what is not a bucket', () => {
    expect(() => latencyBucketValue(-1)).toThrow(RangeError);
    expect(() => latencyBucketValue(1.5)).toThrow(RangeError);
  });
});

describe('mergeCounts', () => {
  it('adds counts bucket by bucket, in bucket order, leaving out empty buckets', () => {
    const merged = mergeCounts({ '3': 2, '10': 1, '-4': 5 }, { '10': 4, '2': 0 }, {});
    expect(merged).toEqual({ '-4': 5, '3': 2, '10': 5 });
    expect(bucketEntries(merged)).toEqual([
      [-4, 5],
      [3, 2],
      [10, 5],
    ]);
  });

  it('gives an empty histogram for no input', () => {
    expect(mergeCounts()).toEqual({});
  });

  it('refuses keys that are not bucket indexes and counts that are not counts', () => {
    expect(() => mergeCounts({ '01': 1 })).toThrow(RangeError);
    expect(() => mergeCounts({ '1.5': 1 })).toThrow(RangeError);
    expect(() => mergeCounts({ p95: 1 })).toThrow(RangeError);
    expect(() => mergeCounts({ '1': -1 })).toThrow(RangeError);
    expect(() => mergeCounts({ '1': 0.5 })).toThrow(RangeError);
  });
});

describe('quantileFromBuckets', () => {
  const identity = (bucket: number): number => bucket;
  // 100 observations: 10 in each of the buckets 1..10
  const uniform = Object.fromEntries(Array.from({ length: 10 }, (_, i) => [String(i + 1), 10]));

  it.each([
    [0, 1],
    [0.1, 1],
    [0.10001, 2],
    [0.5, 5],
    [0.95, 10],
    [0.9, 9],
    [0.91, 10],
    [1, 10],
  ])('nearest rank: q = %p → bucket %p', (q, bucket) => {
    // The ⌈q·100⌉-th value: 0.95 · 100 is 95.00000000000001 in floating point and still rank 95.
    expect(quantileFromBuckets(uniform, q, identity)).toBe(bucket);
  });

  it('maps the bucket through valueOf', () => {
    expect(quantileFromBuckets({ '349': 3, '698': 1 }, 0.5, latencyBucketValue)).toBeCloseTo(993.4816708161211, 8);
    expect(quantileFromBuckets({ '349': 3, '698': 1 }, 0.99, latencyBucketValue)).toBeCloseTo(996827.0256777715, 6);
  });

  it('gives the only bucket of a single-bucket histogram for every q', () => {
    for (const q of [0, 0.01, 0.5, 0.999, 1]) expect(quantileFromBuckets({ '42': 7 }, q, identity)).toBe(42);
  });

  it('orders negative buckets numerically, not as strings', () => {
    expect(quantileFromBuckets({ '-2': 1, '-10': 1, '3': 1 }, 0, identity)).toBe(-10);
  });

  it('is null for an empty histogram', () => {
    expect(quantileFromBuckets({}, 0.5, identity)).toBeNull();
    expect(quantileFromBuckets({ '5': 0 }, 0.5, identity)).toBeNull();
  });

  it('refuses q outside [0, 1]', () => {
    expect(() => quantileFromBuckets(uniform, 1.01, identity)).toThrow(RangeError);
    expect(() => quantileFromBuckets(uniform, NaN, identity)).toThrow(RangeError);
  });
});

describe('differenceBucket', () => {
  it('reads a difference back within 1 %, and anything below a millionth as 0', () => {
    for (const difference of [1e-6, 0.00042, 0.5, 3, 1234.5]) {
      expect(Math.abs(differenceBucketValue(differenceBucket(difference)) / difference - 1)).toBeLessThan(0.01);
    }
    expect(differenceBucket(0)).toBe(0);
    expect(differenceBucket(4e-7)).toBe(0);
    expect(differenceBucketValue(0)).toBe(0);
  });

  it('refuses a negative or infinite difference', () => {
    expect(() => differenceBucket(-1)).toThrow(RangeError);
    expect(() => differenceBucket(Infinity)).toThrow(RangeError);
  });
});
