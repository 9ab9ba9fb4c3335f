import { normalQuantile } from './distributions';
import { assertConfidence, type Interval } from './mean';

export interface ProportionEstimate {
  trials: number;
  rate: number | null;
  interval: Interval | null;
}

/**
 * Rate with its Wilson score interval (Wilson 1927), the interval Newcombe (1998, "Two-sided
 * confidence intervals for the single proportion") recommends: unlike the Wald interval it stays
 * inside [0, 1] and keeps its coverage at rates near 0 or 1 — error rates are exactly there.
 */
export function proportionWithInterval(successes: number, trials: number, confidence = 0.95): ProportionEstimate {
  assertCounts(successes, trials);
  assertConfidence(confidence);
  if (trials === 0) return { trials, rate: null, interval: null };
  return { trials, rate: successes / trials, interval: wilsonInterval(successes, trials, normalQuantile((1 + confidence) / 2)) };
}

/** Wilson score interval for z = Φ⁻¹(1 − α/2); trials > 0. */
export function wilsonInterval(successes: number, trials: number, z: number): Interval {
  const rate = successes / trials;
  const z2 = z * z;
  const denominator = 1 + z2 / trials;
  const centre = (rate + z2 / (2 * trials)) / denominator;
  const halfWidth = (z / denominator) * Math.sqrt((rate * (1 - rate)) / trials + z2 / (4 * trials * trials));
  // At 0 or all successes one end is exactly 0 or 1; rounding must not put it a hair outside.
  return {
    low: successes === 0 ? 0 : Math.max(0, centre - halfWidth),
    high: successes === trials ? 1 : Math.min(1, centre + halfWidth),
  };
}

export function assertCounts(successes: number, trials: number): void {
  if (!Number.isInteger(trials) || trials < 0 || !Number.isInteger(successes) || successes < 0 || successes > trials) {
    throw new RangeError(`expected integer counts with 0 ≤ successes ≤ trials, got ${successes} of ${trials}`);
  }
}
