export {
  chiSquareSurvival,
  normalCdf,
  normalQuantile,
  studentTCdf,
  studentTQuantile,
  studentTTail,
  twoSidedNormalPValue,
} from './distributions';
export { meanWithInterval, sampleVariance } from './mean';
export type { Interval, MeanEstimate, MeanSummary } from './mean';
export { proportionWithInterval, wilsonInterval } from './proportion';
export type { ProportionEstimate } from './proportion';
export { proportionComparison, welchComparison } from './comparison';
export type { Comparison, Counts } from './comparison';
export { DEFAULT_TAU_IN_STANDARD_DEVIATIONS, mixtureSequentialTest, mixtureSequentialTestForProportions, mixtureSequentialTestOfDifference } from './sequential';
export type { SequentialOptions, SequentialTest } from './sequential';
export { DEFAULT_SRM_ALPHA, sampleRatioMismatch } from './sample-ratio-mismatch';
export type { SampleRatioMismatch } from './sample-ratio-mismatch';
export { DIFFERENCE_UNITS, differenceBucket, differenceBucketValue, LATENCY_BUCKET_RATIO, latencyBucket, latencyBucketValue, mergeCounts, quantileFromBuckets } from './histogram';
export type { SparseCounts } from './histogram';
export {
  classifyPsi,
  DRIFT_BIN_NAN,
  DRIFT_BIN_NEGATIVE_INFINITY,
  DRIFT_BIN_POSITIVE_INFINITY,
  driftBin,
  populationStabilityIndex,
} from './drift';
export type { PopulationStability, PopulationStabilityBin, PopulationStabilityLevel, PopulationStabilityOptions } from './drift';
export { aucFromHistograms, LOG_LOSS_EPSILON, logLoss, logLossWithInterval, maeWithInterval, rmseWithInterval, SCORE_BINS, scoreBin } from './model-quality';
export type { QualityEstimate } from './model-quality';
