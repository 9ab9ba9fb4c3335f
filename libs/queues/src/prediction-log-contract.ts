import type { OutputSummary } from '@switchyard/domain';

/**
 * The prediction log as it travels from gateways to the worker: gateways append batches of events to
 * a Redis stream; the worker ingests them into PostgreSQL. Feedback travels on a stream of its own.
 */

/** The variant a shadow's answers are logged as; they never count as champion or challenger traffic. */
export const SHADOW_VARIANT = 'shadow';

export interface PredictionEvent {
  request_id: string;
  model: string;
  version: number;
  /** champion, challenger, or pinned (an explicit version or a variant header). */
  variant: string;
  /** Hex SHA-256 prefix of the caller's routing key; the key itself is never logged. */
  routing_key_hash: string | null;
  /** Epoch milliseconds when the gateway received the request. */
  at: number;
  latency_us: number;
  /** HTTP status answered. */
  status: number;
  /** Problem code of a failed request. */
  error: string | null;
  /**
   * Per input, the mean of its values. A gateway sends here the inputs that are not tables; the worker
   * adds each table's column means from `input_columns` (as `x[0]`, `x[1]`, …) before it stores or rolls
   * up the event.
   */
  inputs: Record<string, number> | null;
  /**
   * Per 2-D input of 2 to 32 columns, its column means as the base64 of their float64 bytes,
   * little-endian (`packInputColumnMeans` of @switchyard/tensor): cheaper for a gateway to write than
   * JSON numbers. Absent when no input is a table, and from events of gateways older than it (their
   * `inputs` hold the columns).
   */
  input_columns?: Record<string, string> | null;
  output: OutputSummary | null;
  /** The full request and response, for a sampled fraction of requests. */
  payload: { request: unknown; response: unknown } | null;
  /**
   * Shadow events only (variant `shadow`, under the champion's request id): the champion's output for
   * the same request, so agreement and output differences need no join. Absent on other events.
   */
  champion_output?: OutputSummary | null;
}

export interface FeedbackEvent {
  request_id: string;
  /** The prediction's model, as the gateway resolved it; absent from events of gateways older than the (model, request id) key. */
  model?: string;
  /** A business outcome (compared between variants by its mean, or as accuracy for a classifier's label). Absent when this is a label. */
  value?: number | string;
  /** Ground truth: a number for a regression, the class name for a classifier. Absent when this is an outcome. */
  label?: number | string;
  /** A classifier's class index of `label`, when known: which probability is the true class's. */
  label_index?: number | null;
  /** Epoch milliseconds when the gateway accepted it. */
  at: number;
}

export const predictionStreamKey = (prefix: string): string => `${prefix}:predictions`;
/**
 * Gateways trim the predictions stream to about this many entries (each up to EVENTS_PER_STREAM_ENTRY events) as they add
 * to it, so a worker gone for long cannot fill Redis: what is trimmed unread is lost. The worker's
 * `switchyard_prediction_log_waiting_entries` shows how near a backlog is (alerts.yml warns at half).
 */
export const PREDICTION_STREAM_MAX_ENTRIES = 200_000;
export const feedbackStreamKey = (prefix: string): string => `${prefix}:feedback`;
/**
 * Events PostgreSQL refused (see the worker's refused-events): one entry per event, with the stream it
 * came from, the event as JSON, PostgreSQL's SQLSTATE and message. Capped at about
 * REFUSED_EVENTS_MAX_LENGTH entries, the oldest dropped first.
 */
export const refusedEventStreamKey = (prefix: string): string => `${prefix}:refused-events`;
export const REFUSED_EVENTS_MAX_LENGTH = 1_000;

/** Stream field holding a JSON array of events: one stream entry per gateway flush. */
export const STREAM_BATCH_FIELD = 'batch';
/** Events per stream entry, at most: one XADD carries a batch, so the worker reads thousands per round trip. */
export const EVENTS_PER_STREAM_ENTRY = 500;

/** The span of one request-index hash: an hour. */
export const REQUEST_INDEX_BUCKET_MS = 3_600_000;

/**
 * Hourly hashes request id → the models that used it (space-separated, first one first), written with
 * each flush, so a gateway answering feedback can tell a known request from an unknown or expired one,
 * and whose it is, without a database round trip.
 */
export function requestIndexKey(prefix: string, epochMs: number): string {
  return `${prefix}:requests:${Math.floor(epochMs / REQUEST_INDEX_BUCKET_MS)}`;
}
