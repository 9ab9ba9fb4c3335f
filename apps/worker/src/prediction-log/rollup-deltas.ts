import type { LabelSums } from '@switchyard/analytics';
import type { Counts } from '@switchyard/persistence';
import type { OutputSummary } from '@switchyard/domain';
import type { PredictionEvent } from '@switchyard/queues';
import { driftBin, latencyBucket, logLoss, scoreBin } from '@switchyard/statistics';

const MINUTE_MS = 60_000;

export interface RollupDelta {
  model: string;
  minute: number;
  variant: string;
  version: number;
  requests: number;
  errors: number;
  latency: Counts;
  outputCount: number;
  outputSum: number;
  outputSumSquares: number;
  outputLabels: Counts;
}

export interface InputRollupDelta {
  model: string;
  minute: number;
  variant: string;
  input: string;
  bins: Counts;
}

export interface OutcomeDelta {
  model: string;
  minute: number;
  variant: string;
  version: number;
  count: number;
  sum: number;
  sumSquares: number;
  correct: number;
}

/** A prediction joined with its first outcome, as the ingestion's UPDATE … RETURNING gives it. */
export interface JoinedOutcome {
  model: string;
  predictedAt: number;
  variant: string;
  version: number;
  output: OutputSummary | null;
  outcome: number | string;
}

const minuteOf = (epochMs: number) => Math.floor(epochMs / MINUTE_MS) * MINUTE_MS;
const increment = (counts: Counts, key: string | number) => (counts[key] = (counts[key] ?? 0) + 1);

/** Stable order, so concurrent upserts of the same rows take their locks in the same order (no deadlocks). */
const byKey = <T extends { model: string; minute: number; variant: string }>(key: (row: T) => string) => (a: T, b: T) =>
  a.model.localeCompare(b.model) || a.minute - b.minute || a.variant.localeCompare(b.variant) || key(a).localeCompare(key(b));

/**
 * What a batch of newly ingested predictions adds to the per-minute rollups: one delta per model,
 * minute, variant and version (and per input for drift), so the upsert touches each row once.
 */
export function rollupPredictions(events: PredictionEvent[]): { rollups: RollupDelta[]; inputs: InputRollupDelta[] } {
  const rollups = new Map<string, RollupDelta>();
  const inputs = new Map<string, InputRollupDelta>();
  for (const event of events) {
    const minute = minuteOf(event.at);
    const key = `${event.model}\u0000${minute}\u0000${event.variant}\u0000${event.version}`;
    let rollup = rollups.get(key);
    if (!rollup) {
      rollup = { model: event.model, minute, variant: event.variant, version: event.version, requests: 0, errors: 0, latency: {}, outputCount: 0, outputSum: 0, outputSumSquares: 0, outputLabels: {} };
      rollups.set(key, rollup);
    }
    rollup.requests += 1;
    if (event.status >= 400) rollup.errors += 1;
    increment(rollup.latency, latencyBucket(event.latency_us));
    if (event.output && 'value' in event.output) {
      rollup.outputCount += 1;
      rollup.outputSum += event.output.value;
      rollup.outputSumSquares += event.output.value * event.output.value;
    } else if (event.output && 'label' in event.output) {
      increment(rollup.outputLabels, event.output.label);
    }
    for (const [input, value] of Object.entries(event.inputs ?? {})) {
      const inputKey = `${event.model}\u0000${minute}\u0000${event.variant}\u0000${input}`;
      let delta = inputs.get(inputKey);
      if (!delta) inputs.set(inputKey, (delta = { model: event.model, minute, variant: event.variant, input, bins: {} }));
      increment(delta.bins, driftBin(value));
    }
  }
  return {
    rollups: [...rollups.values()].sort(byKey((r) => String(r.version).padStart(10, '0'))),
    inputs: [...inputs.values()].sort(byKey((r) => r.input)),
  };
}

/**
 * What outcomes add to the rollups of their predictions' minute: numbers feed a mean (and its
 * variance); a label counts as correct when it equals the predicted one.
 */
export function rollupOutcomes(joined: JoinedOutcome[]): OutcomeDelta[] {
  const deltas = new Map<string, OutcomeDelta>();
  for (const row of joined) {
    const minute = minuteOf(row.predictedAt);
    const key = `${row.model}\u0000${minute}\u0000${row.variant}\u0000${row.version}`;
    let delta = deltas.get(key);
    if (!delta) deltas.set(key, (delta = { model: row.model, minute, variant: row.variant, version: row.version, count: 0, sum: 0, sumSquares: 0, correct: 0 }));
    delta.count += 1;
    if (typeof row.outcome === 'number') {
      delta.sum += row.outcome;
      delta.sumSquares += row.outcome * row.outcome;
    } else if (row.output && 'label' in row.output && row.output.label === row.outcome) {
      delta.correct += 1;
    }
  }
  return [...deltas.values()].sort(byKey((r) => String(r.version).padStart(10, '0')));
}

/** One (model, minute, variant, version)'s label sums, in the rollups' label columns. */
export type LabelDelta = LabelSums & { model: string; minute: number; variant: string; version: number };

/** A prediction joined with its first ground-truth label. */
export interface JoinedLabel {
  model: string;
  predictedAt: number;
  variant: string;
  version: number;
  output: OutputSummary | null;
  label: number | string;
  /** A classifier's class index of the label, when the gateway knew it. */
  labelIndex: number | null;
}

/**
 * What labels add to the rollups of their predictions' minute. Regression: the error's absolute value,
 * square and fourth power (MAE, RMSE and their intervals). Classification: whether the predicted class
 * is the label; with probabilities served, −ln p(true class); with two classes, p(class 1) in the
 * histogram of its true class (AUC). A label without a usable prediction (a failed request, or the
 * wrong kind of output) adds nothing: there is no prediction to judge.
 */
export function rollupLabels(joined: JoinedLabel[]): LabelDelta[] {
  const deltas = new Map<string, LabelDelta>();
  for (const row of joined) {
    const minute = minuteOf(row.predictedAt);
    const key = `${row.model}\u0000${minute}\u0000${row.variant}\u0000${row.version}`;
    let delta = deltas.get(key);
    if (!delta) {
      delta = {
        model: row.model, minute, variant: row.variant, version: row.version, count: 0, absErrorSum: 0, squaredErrorSum: 0, squaredErrorSumSquares: 0,
        correct: 0, logLossCount: 0, logLossSum: 0, logLossSumSquares: 0, scoresPositive: {}, scoresNegative: {},
      };
      deltas.set(key, delta);
    }
    const { output, label, labelIndex } = row;
    if (typeof label === 'number') {
      if (!output || !('value' in output)) continue;
      delta.count += 1;
      const error = output.value - label;
      delta.absErrorSum += Math.abs(error);
      delta.squaredErrorSum += error * error;
      delta.squaredErrorSumSquares += error ** 4;
      continue;
    }
    if (!output || !('label' in output)) continue;
    delta.count += 1;
    if (output.label === label) delta.correct += 1;
    const probabilities = output.probabilities;
    if (!probabilities || labelIndex === null || labelIndex >= probabilities.length) continue;
    const loss = logLoss(probabilities[labelIndex]);
    delta.logLossCount += 1;
    delta.logLossSum += loss;
    delta.logLossSumSquares += loss * loss;
    if (probabilities.length === 2) increment(labelIndex === 1 ? delta.scoresPositive : delta.scoresNegative, scoreBin(probabilities[1]));
  }
  return [...deltas.values()].filter((d) => d.count > 0).sort(byKey((r) => String(r.version).padStart(10, '0')));
}
