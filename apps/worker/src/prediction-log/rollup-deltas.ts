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
 * Deltas by (model, minute, variant, and a last part: the version, or an input's name), in nested maps.
 * A key string per event and delta (a template literal, flattened and hashed for the lookup) was a third
 * of a logged prediction's rollup work: 13,700 → 9,000 instructions per event for rollupPredictions
 * alone, and 48,600–51,000 → 42,600–44,800 for all the worker does per event (callgrind,
 * `npm run bench:instructions -- --target worker`).
 */
class DeltaIndex<T> {
  private readonly byModel = new Map<string, Map<number, Map<string, Map<number | string, T>>>>();
  /** Every delta, in the order they were first added. */
  readonly all: T[] = [];

  find(model: string, minute: number, variant: string, last: number | string): T | undefined {
    return this.byModel.get(model)?.get(minute)?.get(variant)?.get(last);
  }

  add(model: string, minute: number, variant: string, last: number | string, delta: T): T {
    return this.addTo(this.group(model, minute, variant), last, delta);
  }

  /**
   * The deltas of one (model, minute, variant) by their last part, made if there are none yet: an
   * event of a 32-column table looked each column's delta up from the top, four maps deep (its
   * rollups took 6.5–7.3 µs so, 5.8–6.5 from the group; six alternating rounds of 200 batches).
   */
  group(model: string, minute: number, variant: string): Map<number | string, T> {
    let byMinute = this.byModel.get(model);
    if (!byMinute) this.byModel.set(model, (byMinute = new Map()));
    let byVariant = byMinute.get(minute);
    if (!byVariant) byMinute.set(minute, (byVariant = new Map()));
    let byLast = byVariant.get(variant);
    if (!byLast) byVariant.set(variant, (byLast = new Map()));
    return byLast;
  }

  addTo(group: Map<number | string, T>, last: number | string, delta: T): T {
    group.set(last, delta);
    this.all.push(delta);
    return delta;
  }
}

/**
 * What a batch of newly ingested predictions adds to the per-minute rollups: one delta per model,
 * minute, variant and version (and per input for drift), so the upsert touches each row once.
 */
export function rollupPredictions(events: PredictionEvent[]): { rollups: RollupDelta[]; inputs: InputRollupDelta[] } {
  const rollups = new DeltaIndex<RollupDelta>();
  const inputs = new DeltaIndex<InputRollupDelta>();
  for (const event of events) {
    const { model, variant, version } = event;
    const minute = minuteOf(event.at);
    const rollup =
      rollups.find(model, minute, variant, version) ??
      rollups.add(model, minute, variant, version, {
        model, minute, variant, version, requests: 0, errors: 0, latency: {}, outputCount: 0, outputSum: 0, outputSumSquares: 0, outputLabels: {},
      });
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
    const summary = event.inputs;
    if (!summary) continue;
    const byInput = inputs.group(model, minute, variant);
    for (const input in summary) {
      const delta = byInput.get(input) ?? inputs.addTo(byInput, input, { model, minute, variant, input, bins: {} });
      increment(delta.bins, driftBin(summary[input]));
    }
  }
  return {
    rollups: rollups.all.sort(byKey((r) => String(r.version).padStart(10, '0'))),
    inputs: inputs.all.sort(byKey((r) => r.input)),
  };
}

/**
 * What outcomes add to the rollups of their predictions' minute: numbers feed a mean (and its
 * variance); a label counts as correct when it equals the predicted one.
 */
export function rollupOutcomes(joined: JoinedOutcome[]): OutcomeDelta[] {
  const deltas = new DeltaIndex<OutcomeDelta>();
  for (const row of joined) {
    const { model, variant, version } = row;
    const minute = minuteOf(row.predictedAt);
    const delta =
      deltas.find(model, minute, variant, version) ?? deltas.add(model, minute, variant, version, { model, minute, variant, version, count: 0, sum: 0, sumSquares: 0, correct: 0 });
    delta.count += 1;
    if (typeof row.outcome === 'number') {
      delta.sum += row.outcome;
      delta.sumSquares += row.outcome * row.outcome;
    } else if (row.output && 'label' in row.output && row.output.label === row.outcome) {
      delta.correct += 1;
    }
  }
  return deltas.all.sort(byKey((r) => String(r.version).padStart(10, '0')));
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
  const deltas = new DeltaIndex<LabelDelta>();
  for (const row of joined) {
    const { model, variant, version } = row;
    const minute = minuteOf(row.predictedAt);
    const delta =
      deltas.find(model, minute, variant, version) ??
      deltas.add(model, minute, variant, version, {
        model, minute, variant, version, count: 0, absErrorSum: 0, squaredErrorSum: 0, squaredErrorSumSquares: 0,
        correct: 0, logLossCount: 0, logLossSum: 0, logLossSumSquares: 0, scoresPositive: {}, scoresNegative: {},
      });
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
  return deltas.all.filter((d) => d.count > 0).sort(byKey((r) => String(r.version).padStart(10, '0')));
}
