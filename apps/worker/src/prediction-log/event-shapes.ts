import type { FeedbackEvent, PredictionEvent } from '@switchyard/queues';
import { inputSummary, isPackedColumnMeans } from '@switchyard/tensor';

/** A string for a text column: PostgreSQL's text cannot hold a NUL character (jsonb values are cleaned instead, see jsonbText). */
const isText = (value: unknown, min: number, max: number): value is string =>
  typeof value === 'string' && value.length >= min && value.length <= max && !value.includes('\u0000');
/** An integer a PostgreSQL column of that range holds: one out of range fails the whole batch's insert. */
const isIntegerIn = (value: unknown, min: number, max: number): value is number => Number.isInteger(value) && (value as number) >= min && (value as number) <= max;
const INT32_MAX = 2_147_483_647;
/**
 * Epoch milliseconds from 2000-01-01 to 9999-12-31: what a gateway's clock can mean. A time outside
 * (a broken clock, a field in seconds) is a bug in the sender.
 */
const isEpochMs = (value: unknown): value is number => typeof value === 'number' && value >= 946_684_800_000 && value <= 253_402_300_799_999;
const isScalar = (value: unknown) => (typeof value === 'number' && Number.isFinite(value)) || (typeof value === 'string' && value.length <= 200);
const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
const isNumberMap = (value: unknown) => value === null || (isObject(value) && Object.values(value).every((v) => typeof v === 'number' && Number.isFinite(v)));
/** Each table's packed column means by input name; absent from older gateways' events. */
const isPackedColumns = (value: unknown) => value === undefined || value === null || (isObject(value) && Object.values(value).every(isPackedColumnMeans));
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
    isIntegerIn(value.version, 1, INT32_MAX) &&
    isText(value.variant, 0, 16) &&
    (value.routing_key_hash === null || isText(value.routing_key_hash, 0, 32)) &&
    isEpochMs(value.at) &&
    Number.isFinite(value.latency_us) && (value.latency_us as number) >= 0 &&
    isIntegerIn(value.status, 100, 599) &&
    (value.error === null || isText(value.error, 0, 64)) &&
    isNumberMap(value.inputs) &&
    isPackedColumns(value.input_columns) &&
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
    (value.label_index === undefined || value.label_index === null || isIntegerIn(value.label_index, 0, INT32_MAX)) &&
    isEpochMs(value.at)
  );
}

/**
 * A checked event as the log stores it: the tables' packed column means read into `inputs` (see
 * PredictionEvent.input_columns), so rows and rollups hold `x[0]`, `x[1]`, … whichever release of the
 * gateway sent it.
 */
export function withInputColumnsRead(event: PredictionEvent): PredictionEvent {
  if (!event.input_columns) return event;
  const { input_columns, ...rest } = event;
  return { ...rest, inputs: inputSummary(event.inputs, input_columns) };
}
