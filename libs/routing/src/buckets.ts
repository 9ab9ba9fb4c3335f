import { stableHash64Hex } from './stable-hash';

/** Traffic is split in basis points, so one bucket is one basis point of traffic. */
export const BUCKETS = 10_000;

/** 2^32 mod BUCKETS, to reduce the 64-bit hash in two 32-bit halves. */
const HIGH_WORD_WEIGHT = 2 ** 32 % BUCKETS;

/**
 * The caller's bucket, 0 to BUCKETS - 1, for one model and experiment salt.
 *
 * Taking the 64-bit hash modulo 10,000 is biased only in theory: 2^64 is not a multiple of 10,000,
 * so buckets 0–1615 receive ⌈2^64 / 10,000⌉ hash values and the rest one fewer, a relative excess of
 * about 5 × 10⁻¹⁶ — far below anything an experiment could measure.
 */
export function bucketOf(model: string, salt: string, routingKey: string): number {
  // hash = high·2^32 + low, so hash mod B = ((high mod B)·(2^32 mod B) + low mod B) mod B; every term
  // stays far below 2^53, so this is exact without a BigInt (which cost about 1 µs per request).
  const hex = stableHash64Hex(model, salt, routingKey);
  const high = parseInt(hex.slice(0, 8), 16);
  const low = parseInt(hex.slice(8, 16), 16);
  return ((high % BUCKETS) * HIGH_WORD_WEIGHT + (low % BUCKETS)) % BUCKETS;
}
