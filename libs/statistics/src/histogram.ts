/**
 * Sparse histograms: { "<bucket index>": count }, stored as JSON per variant and time window and
 * merged by adding counts, so any window's distribution comes from a few small objects, not raw rows.
 */
export type SparseCounts = Record<string, number>;

/** Bucket width ratio: the geometric midpoint of a bucket is within √1.02 − 1 ≈ 0.995 % of every value in it. */
export const LATENCY_BUCKET_RATIO = 1.02;
const LOG_RATIO = Math.log(LATENCY_BUCKET_RATIO);

/**
 * Log-spaced bucket of a latency in µs: bucket b ≥ 1 holds [1.02^(b−1), 1.02^b), so the relative
 * error is the same at 200 µs and at 20 s, and 1 µs to 24 hours take fewer than 1,300 buckets
 * (the idea of HdrHistogram and DDSketch, without their bookkeeping). Values below 1 µs share
 * bucket 0. Right at an edge, rounding in the logarithm may pick the neighbouring bucket; the value
 * is still within 1 % of either representative.
 */
export function latencyBucket(microseconds: number): number {
  if (!(microseconds >= 0 && microseconds < Infinity)) throw new RangeError(`latency must be a finite number of µs ≥ 0, got ${microseconds}`);
  if (microseconds < 1) return 0;
  return 1 + Math.floor(Math.log(microseconds) / LOG_RATIO);
}

/** The value a latency bucket stands for: its geometric midpoint 1.02^(b − ½), and 0.5 µs for bucket 0. */
export function latencyBucketValue(bucket: number): number {
  if (!Number.isInteger(bucket) || bucket < 0) throw new RangeError(`latency bucket must be a non-negative integer, got ${bucket}`);
  return bucket === 0 ? 0.5 : LATENCY_BUCKET_RATIO ** (bucket - 0.5);
}

/**
 * Absolute differences between two models' outputs on the same log grid, in millionths: 1 % relative
 * error from 1e-6 up, and bucket 0 for anything below one millionth (read back as 0, i.e. equal).
 */
export const DIFFERENCE_UNITS = 1_000_000;

export function differenceBucket(absoluteDifference: number): number {
  if (!(absoluteDifference >= 0 && absoluteDifference < Infinity)) throw new RangeError(`difference must be a finite number ≥ 0, got ${absoluteDifference}`);
  return latencyBucket(absoluteDifference * DIFFERENCE_UNITS);
}

export function differenceBucketValue(bucket: number): number {
  return bucket === 0 ? 0 : latencyBucketValue(bucket) / DIFFERENCE_UNITS;
}

/** Sum of histograms, bucket by bucket; buckets that end up empty are left out. */
export function mergeCounts(...histograms: SparseCounts[]): SparseCounts {
  const merged = new Map<number, number>();
  for (const histogram of histograms) {
    for (const [bucket, count] of bucketEntries(histogram)) merged.set(bucket, (merged.get(bucket) ?? 0) + count);
  }
  const result: SparseCounts = {};
  for (const [bucket, count] of [...merged].sort(([a], [b]) => a - b)) result[String(bucket)] = count;
  return result;
}

/**
 * Nearest-rank quantile (the smallest bucket whose cumulative count reaches ⌈q·N⌉), mapped to a value
 * by `valueOf` — latencyBucketValue for latencies. Null for an empty histogram.
 */
export function quantileFromBuckets(counts: SparseCounts, q: number, valueOf: (bucket: number) => number): number | null {
  if (!(q >= 0 && q <= 1)) throw new RangeError(`quantile must be in [0, 1], got ${q}`);
  const entries = bucketEntries(counts);
  const total = entries.reduce((sum, [, count]) => sum + count, 0);
  if (total === 0) return null;
  const rank = nearestRank(q, total);
  let cumulative = 0;
  for (const [bucket, count] of entries.slice(0, -1)) {
    cumulative += count;
    if (cumulative >= rank) return valueOf(bucket);
  }
  // The rank is at most N, so whatever the earlier buckets did not reach is in the last one.
  return valueOf(entries[entries.length - 1][0]);
}

/**
 * ⌈q·N⌉, at least 1. q·N is rounded first when it is within rounding of an integer: 0.95 · 100 is
 * 95.00000000000001 in floating point, and the 95th percentile of 100 values is the 95th value.
 */
function nearestRank(q: number, total: number): number {
  const exact = q * total;
  const nearest = Math.round(exact);
  const rank = Math.abs(exact - nearest) <= 4 * Number.EPSILON * exact ? nearest : Math.ceil(exact);
  return Math.max(1, rank);
}

/**
 * The non-empty buckets of a histogram as [index, count] in increasing index order. Keys must be
 * integers written as String(index) writes them, and counts non-negative integers, so that two
 * spellings of one bucket cannot be counted apart.
 */
export function bucketEntries(counts: SparseCounts): Array<[number, number]> {
  const entries: Array<[number, number]> = [];
  for (const [key, count] of Object.entries(counts)) {
    const bucket = Number(key);
    if (!Number.isSafeInteger(bucket) || String(bucket) !== key) throw new RangeError(`histogram key "${key}" is not a bucket index`);
    if (!Number.isInteger(count) || count < 0) throw new RangeError(`histogram bucket ${key} has count ${count}; expected a non-negative integer`);
    if (count > 0) entries.push([bucket, count]);
  }
  return entries.sort(([a], [b]) => a - b);
}
