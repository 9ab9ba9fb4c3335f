import type { OutputSummary } from '@switchyard/domain';
import type { Counts } from '@switchyard/persistence';
import type { PredictionEvent } from '@switchyard/queues';
import { differenceBucket, latencyBucket } from '@switchyard/statistics';

const MINUTE_MS = 60_000;

export interface ShadowRollupDelta {
  model: string;
  minute: number;
  version: number;
  requests: number;
  errors: number;
  latency: Counts;
  compared: number;
  agreements: number;
  differenceCount: number;
  differenceSum: number;
  differenceAbsSum: number;
  differenceAbsBuckets: Counts;
}

export interface ShadowOutcomeDelta {
  model: string;
  minute: number;
  version: number;
  count: number;
  correct: number;
  errorCount: number;
  absErrorSum: number;
  squaredErrorSum: number;
}

/** A shadow's logged answer joined with the first outcome reported for its request id. */
export interface JoinedShadowOutcome {
  model: string;
  predictedAt: number;
  version: number;
  output: OutputSummary | null;
  outcome: number | string;
}

const minuteOf = (epochMs: number) => Math.floor(epochMs / MINUTE_MS) * MINUTE_MS;
const increment = (counts: Counts, key: string | number) => (counts[key] = (counts[key] ?? 0) + 1);
/** Stable order, so concurrent upserts take their row locks in the same order. */
const byRow = (a: { model: string; minute: number; version: number }, b: { model: string; minute: number; version: number }) =>
  a.model.localeCompare(b.model) || a.minute - b.minute || a.version - b.version;

/**
 * What a batch of newly ingested shadow answers adds to shadow_rollups: one delta per model, minute
 * and shadow version. Each event carries the champion's output for the same request, so classes are
 * compared (agreement) and values subtracted (shadow − champion) without reading the champion's row.
 */
export function rollupShadowAnswers(events: PredictionEvent[]): ShadowRollupDelta[] {
  const deltas = new Map<string, ShadowRollupDelta>();
  for (const event of events) {
    const minute = minuteOf(event.at);
    const key = `${event.model}\u0000${minute}\u0000${event.version}`;
    let delta = deltas.get(key);
    if (!delta) {
      delta = {
        model: event.model, minute, version: event.version, requests: 0, errors: 0, latency: {},
        compared: 0, agreements: 0, differenceCount: 0, differenceSum: 0, differenceAbsSum: 0, differenceAbsBuckets: {},
      };
      deltas.set(key, delta);
    }
    delta.requests += 1;
    increment(delta.latency, latencyBucket(event.latency_us));
    if (event.status >= 400) {
      delta.errors += 1;
      continue;
    }
    const shadow = event.output;
    const champion = event.champion_output;
    if (shadow && champion && 'label' in shadow && 'label' in champion) {
      delta.compared += 1;
      if (shadow.label === champion.label) delta.agreements += 1;
    } else if (shadow && champion && 'value' in shadow && 'value' in champion) {
      const difference = shadow.value - champion.value;
      if (!Number.isFinite(difference)) continue;
      delta.differenceCount += 1;
      delta.differenceSum += difference;
      delta.differenceAbsSum += Math.abs(difference);
      // |shadow − champion| on a log grid, so its p50 and p95 come from sparse counts.
      increment(delta.differenceAbsBuckets, differenceBucket(Math.abs(difference)));
    }
  }
  return [...deltas.values()].sort(byRow);
}

/**
 * What outcomes add to the shadow's rollups: a class is correct when it equals a text outcome; a value
 * is off from a numeric outcome by |value − outcome| (for MAE and RMSE).
 */
export function rollupShadowOutcomes(joined: JoinedShadowOutcome[]): ShadowOutcomeDelta[] {
  const deltas = new Map<string, ShadowOutcomeDelta>();
  for (const row of joined) {
    const minute = minuteOf(row.predictedAt);
    const key = `${row.model}\u0000${minute}\u0000${row.version}`;
    let delta = deltas.get(key);
    if (!delta) deltas.set(key, (delta = { model: row.model, minute, version: row.version, count: 0, correct: 0, errorCount: 0, absErrorSum: 0, squaredErrorSum: 0 }));
    delta.count += 1;
    if (typeof row.outcome === 'string') {
      if (row.output && 'label' in row.output && row.output.label === row.outcome) delta.correct += 1;
    } else if (row.output && 'value' in row.output) {
      const error = row.output.value - row.outcome;
      delta.errorCount += 1;
      delta.absErrorSum += Math.abs(error);
      delta.squaredErrorSum += error * error;
    }
  }
  return [...deltas.values()].sort(byRow);
}
