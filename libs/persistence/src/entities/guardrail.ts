/**
 * A model's automatic safety net for its A/B test, evaluated by the worker on a schedule. Each
 * threshold left null is not checked. Judged only once both variants have `min_requests` requests in
 * the last `window_minutes`.
 */
export interface GuardrailConfig {
  /** Trip when the challenger's error rate exceeds the champion's by more than this (absolute, 0–1). */
  max_error_rate_increase: number | null;
  /** Trip when the challenger's p99 latency exceeds the champion's times this (≥ 1). */
  max_p99_latency_ratio: number | null;
  /** Trip when the always-valid sequential test finds the challenger's outcome worse. */
  trip_on_worse_outcome: boolean;
  /**
   * Trip when the always-valid sequential test finds the challenger's model quality worse on ground-truth
   * labels (MAE for a regression, accuracy for a classifier). Absent from guardrails set before labels existed.
   */
  trip_on_worse_quality?: boolean;
  min_requests: number;
  window_minutes: number;
}

/** The worker's last judgement of a model's guardrail, kept in Redis for GET …/guardrails. */
export interface GuardrailEvaluation {
  checked_at: string;
  state: 'waiting' | 'ok' | 'tripped' | 'idle';
  /** Plain words: why it waits, that it holds, or what tripped it. */
  detail: string;
}

export const guardrailEvaluationKey = (prefix: string) => `${prefix}:guardrails`;
