import { stableHash64 } from './stable-hash';

/** Traffic is split in basis points, so one bucket is one basis point of traffic. */
export const BUCKETS = 10_000;

const BUCKET_COUNT = BigInt(BUCKETS);

/**
 * The caller's bucket, 0 to BUCKETS - 1, for one model and experiment salt.
 *
 * Taking the 64-bit hash modulo 10,000 is biased only in theory: 2^64 is not a multiple of 10,000,
 * so buckets 0–1615 receive ⌈2^64 / 10,000⌉ hash values and the rest one fewer, a relative excess of
 * about 5 × 10⁻¹⁶ — far below anything an experiment could measure.
 */
export function bucketOf(model: string, salt: string, routingKey: string): number {
  return Number(stableHash64(model, salt, routingKey) % BUCKET_COUNT);
}
