import type { FeedbackEvent, PredictionEvent } from '@switchyard/queues';

/** A string for a text column: PostgreSQL's text cannot hold a NUL character (jsonb values are cleaned instead, see jsonbText). */
const isText = (value: unknown, min: number, max: number): value is string =>
  typeof value === 'string' && value.length >= min && value.length <= max && !value.includes('\u0000');
const isScalar = (value: unknown) => (typeof value === 'number' && Number.isFinite(value)) || (typeof value === 'string' && value.length <= 200);
const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
const isNumberMap = (value: unknown) => value === null || (isObject(value) && Object.values(value).every((v) => typeof v === 'number' && Number.isFinite(v)));
const isProbabilities = (value: unknown) => value === undefined || (Array.isArray(value) && value.length <= 64 && value.every((p) => typeof p === 'number' && p >= 0 && p <= 1));
const isOutput = (value: unknown) =>
  value === null ||
  (isObject(value) && ((typeof value.value === 'number' && Number.isFinite(value.value)) || (typeof value.label === 'string' && isProbabilities(value.probabilities))));

/** The stream is written by gateways of possibly another release: check each event before it reaches SQL. */
export function isPredictionEvent(value: unknown): value is PredictionEvent {
  if (!isObject(value)) return false;
  return (
    isText(value.request_id, 1, 128) &&
    isText(value.model, 1, 63) &&
    Number.isInteger(value.version) &&
    isText(value.variant, 0, 16) &&
    (value.routing_key_hash === null || isText(value.routing_key_hash, 0, 32)) &&
    Number.isFinite(value.at) &&
    Number.isFinite(value.latency_us) && (value.latency_us as number) >= 0 &&
    Number.isInteger(value.status) &&
    (value.error === null || isText(value.error, 0, 64)) &&
    isNumberMap(value.inputs) &&
    isOutput(value.output) &&
    (value.champion_output === undefined || isOutput(value.champion_output))
  );
}

export function isFeedbackEvent(value: unknown): value is FeedbackEvent {
  if (!isObject(value)) return false;
  return (
    isText(value.request_id, 1, 128) &&
    (value.model === undefined || isText(value.model, 1, 63)) &&
    // Exactly one of an outcome (value) and a ground-truth label.
    (value.value === undefined) !== (value.label === undefined) &&
    (value.value === undefined || isScalar(value.value)) &&
    (value.label === undefined || isScalar(value.label)) &&
    (value.label_index === undefined || value.label_index === null || (Number.isInteger(value.label_index) && (value.label_index as number) >= 0)) &&
    Number.isFinite(value.at)
  );
}
