import { bucketEntries, type SparseCounts } from './histogram';

const DRIFT_ZERO_WIDTH = 1e-6;
const LOG_DRIFT_RATIO = Math.log(1.1);

/**
 * Bins for values that are not finite. The largest finite double falls in bin 7593, so ±10000 sort
 * past every finite value on its side, and NaN, which has no place on the line, comes last of all:
 * in a PSI it is merged into the top bin like any other value beyond the reference's range.
 */
export const DRIFT_BIN_POSITIVE_INFINITY = 10_000;
export const DRIFT_BIN_NEGATIVE_INFINITY = -10_000;
export const DRIFT_BIN_NAN = 10_001;

/**
 * The bin of a model input or output value on one fixed grid over all reals, so that histograms
 * recorded at different times and by different replicas can be added: 0 for |v| < 1e-6, else
 * sign(v)·(1 + ⌊ln(|v| / 1e-6) / ln 1.1⌋) — 10 % wide bins on each side of zero, from 1e-6 up,
 * whatever the feature's scale ("symlog").
 */
export function driftBin(value: number): number {
  if (Number.isNaN(value)) return DRIFT_BIN_NAN;
  if (value === Infinity) return DRIFT_BIN_POSITIVE_INFINITY;
  if (value === -Infinity) return DRIFT_BIN_NEGATIVE_INFINITY;
  const magnitude = Math.abs(value);
  if (magnitude < DRIFT_ZERO_WIDTH) return 0;
  // Above 1.8e302 the quotient overflows; only there is the logarithm taken apart.
  const ratio = magnitude / DRIFT_ZERO_WIDTH;
  const logRatio = ratio < Infinity ? Math.log(ratio) : Math.log(magnitude) - Math.log(DRIFT_ZERO_WIDTH);
  return Math.sign(value) * (1 + Math.floor(logRatio / LOG_DRIFT_RATIO));
}

export interface PopulationStabilityBin {
  /** The last grid bin of the reference in this bin; the top bin also takes everything above it. */
  upper_bin: number;
  reference_share: number;
  current_share: number;
}

export interface PopulationStability {
  psi: number;
  bins: PopulationStabilityBin[];
  reference_count: number;
  current_count: number;
}

export interface PopulationStabilityOptions {
  /** Most quantile bins to compare. Default 10, the usual choice (Siddiqi 2006). */
  bins?: number;
  /** Share given to a bin that is empty on one side, so ln(c / r) stays finite. Default 1e-4. */
  epsilon?: number;
}

/**
 * Population stability index of the current distribution against the reference, on drift-bin
 * histograms: PSI = Σ (c − r)·ln(c / r) over bins (Siddiqi, "Credit Risk Scorecards", 2006; Yurdakul,
 * "Statistical properties of population stability index", 2018).
 *
 * The bins are quantile bins of the reference: the fine grid is walked in order and a bin is closed
 * once the reference's cumulative share reaches the next multiple of 1/bins, so each holds about an
 * equal share of the reference; one grid bin heavier than 1/bins (a constant feature, a default value)
 * becomes a bin of its own and there are fewer bins. Current values below the reference's first grid
 * bin count in the first bin, above its last in the last. A current share of 0 is replaced by epsilon
 * (a reference share cannot be 0); the reported shares are the raw ones.
 *
 * Null when either side is empty.
 */
export function populationStabilityIndex(
  reference: SparseCounts,
  current: SparseCounts,
  options: PopulationStabilityOptions = {},
): PopulationStability | null {
  const binCount = options.bins ?? 10;
  const epsilon = options.epsilon ?? 1e-4;
  if (!Number.isInteger(binCount) || binCount < 1) throw new RangeError(`bins must be a positive integer, got ${binCount}`);
  if (!(epsilon > 0 && epsilon < 1)) throw new RangeError(`epsilon must be between 0 and 1, got ${epsilon}`);
  const referenceEntries = bucketEntries(reference);
  const currentEntries = bucketEntries(current);
  const referenceCount = referenceEntries.reduce((sum, [, count]) => sum + count, 0);
  const currentCount = currentEntries.reduce((sum, [, count]) => sum + count, 0);
  if (referenceCount === 0 || currentCount === 0) return null;

  const edges: number[] = [];
  const referenceCounts: number[] = [];
  let cumulative = 0;
  let open = 0;
  let nextEdge = 1;
  for (const [bin, count] of referenceEntries) {
    cumulative += count;
    open += count;
    // cumulative / total ≥ nextEdge / binCount, in integers so that no share is misjudged by rounding
    if (cumulative * binCount >= nextEdge * referenceCount) {
      edges.push(bin);
      referenceCounts.push(open);
      open = 0;
      while (nextEdge * referenceCount <= cumulative * binCount) nextEdge += 1;
    }
  }

  const currentCounts = new Array<number>(edges.length).fill(0);
  let index = 0;
  for (const [bin, count] of currentEntries) {
    while (index < edges.length - 1 && bin > edges[index]) index += 1;
    currentCounts[index] += count;
  }

  let psi = 0;
  const bins = edges.map((upperBin, i) => {
    const referenceShare = referenceCounts[i] / referenceCount;
    const currentShare = currentCounts[i] / currentCount;
    // Every reference bin holds at least one reference value; only the current side can be empty.
    const c = currentShare === 0 ? epsilon : currentShare;
    psi += (c - referenceShare) * Math.log(c / referenceShare);
    return { upper_bin: upperBin, reference_share: referenceShare, current_share: currentShare };
  });
  return { psi, bins, reference_count: referenceCount, current_count: currentCount };
}

export type PopulationStabilityLevel = 'stable' | 'moderate' | 'significant';

/** The customary reading of a PSI (Siddiqi 2006): below 0.1 stable, below 0.25 a moderate shift, else significant. */
export function classifyPsi(psi: number): PopulationStabilityLevel {
  if (!(psi >= 0)) throw new RangeError(`a PSI is a non-negative number, got ${psi}`);
  if (psi < 0.1) return 'stable';
  if (psi < 0.25) return 'moderate';
  return 'significant';
}
