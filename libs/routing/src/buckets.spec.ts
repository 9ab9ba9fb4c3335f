import { BUCKETS, bucketOf } from './buckets';
import { stableHash64 } from './stable-hash';

describe('bucketOf', () => {
  it('has one bucket per basis point', () => {
    expect(BUCKETS).toBe(10_000);
  });

  // The 64-bit vectors of stable-hash.spec.ts modulo 10,000: 0x4daea2a0fab0e321 = 5597590199152468769.
  it.each([
    ['fraud-detector', '9f2c4e1a7b3d5e60', 'alice', 8769],
    ['modèle', 'sel', 'client-42', 3461],
  ])('puts (%s, %s, %s) in bucket %i', (model, salt, key, expected) => {
    expect(bucketOf(model, salt, key)).toBe(expected);
  });

  it('is the 64-bit routing hash modulo BUCKETS, for every key (reduced without a BigInt)', () => {
    const keys = [...Array.from({ length: 20_000 }, (_, i) => `caller-${i}`), '', 'ключ', '🙂', 'x'.repeat(500)];
    const mismatches = keys.filter((key) => bucketOf('model', 'salt', key) !== Number(stableHash64('model', 'salt', key) % BigInt(BUCKETS)));
    expect(mismatches).toEqual([]);
  });

  it('returns an integer from 0 to BUCKETS - 1 and reaches both ends of the range', () => {
    const buckets = Array.from({ length: 50_000 }, (_, i) => bucketOf('model', 'salt', `caller-${i}`));
    expect(buckets.every((bucket) => Number.isInteger(bucket) && bucket >= 0 && bucket < BUCKETS)).toBe(true);
    expect(Math.min(...buckets)).toBeLessThan(10);
    expect(Math.max(...buckets)).toBeGreaterThanOrEqual(BUCKETS - 10);
  });

  it('spreads near-identical keys evenly over the buckets', () => {
    // 50,000 sequential keys in 100 slices of 100 buckets; the keys are fixed, so this cannot flake.
    // 148.2 is the 99.9th percentile of chi-square with 99 degrees of freedom.
    const keyCount = 50_000;
    const slices = new Array<number>(100).fill(0);
    for (let i = 0; i < keyCount; i++) slices[Math.floor(bucketOf('model', 'salt', `caller-${i}`) / 100)] += 1;
    const expected = keyCount / slices.length;
    const chiSquare = slices.reduce((sum, observed) => sum + (observed - expected) ** 2 / expected, 0);
    expect(chiSquare).toBeLessThan(148.2);
  });
});
