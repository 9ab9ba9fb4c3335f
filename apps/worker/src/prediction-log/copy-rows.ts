import type { PredictionEvent } from '@switchyard/queues';
import { jsonbText } from './jsonb-text';

/** The prediction log's columns, in the order `predictionCopyRows` writes them. */
export const PREDICTION_COPY_COLUMNS =
  'request_id, model_name, version, variant, routing_key_hash, predicted_at, latency_us, status, error, inputs, output, payload, shadow';

/** The largest value of PostgreSQL's integer: a latency above it (35 minutes) is kept as it. */
const MAX_INT4 = 2_147_483_647;

/**
 * Logged predictions as the text of `COPY prediction_log (PREDICTION_COPY_COLUMNS) FROM STDIN`: one
 * line per event, tab-separated, `\N` for null. PostgreSQL reads COPY's text with less work than an
 * INSERT over thirteen `unnest`ed arrays, and these lines take the worker less work than node-postgres's
 * array literals.
 */
export function predictionCopyRows(events: readonly PredictionEvent[], isShadow: (event: PredictionEvent) => boolean): string {
  const times = new CopyTimestamps();
  let text = '';
  for (const event of events) {
    text +=
      copyText(event.request_id) +
      '\t' +
      copyText(event.model) +
      '\t' +
      copyInteger(event.version) +
      '\t' +
      copyText(event.variant) +
      '\t' +
      copyNullableText(event.routing_key_hash) +
      '\t' +
      times.of(event.at) +
      '\t' +
      copyInteger(Math.min(event.latency_us, MAX_INT4)) +
      '\t' +
      copyInteger(event.status) +
      '\t' +
      copyNullableText(event.error) +
      '\t' +
      copyJson(event.inputs) +
      '\t' +
      copyJson(event.output) +
      '\t' +
      copyJson(event.payload) +
      (isShadow(event) ? '\tt\n' : '\tf\n');
  }
  return text;
}

/** The characters COPY's text format gives a meaning to inside a value. */
const COPY_SPECIAL = /[\\\t\n\r]/;
const COPY_SPECIAL_ALL = /[\\\t\n\r]/g;
const COPY_ESCAPES: Record<string, string> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' };

/** A value as COPY's text format reads it back unchanged: backslash, tab, newline and return escaped. */
export function copyText(value: string): string {
  return COPY_SPECIAL.test(value) ? value.replace(COPY_SPECIAL_ALL, (character) => COPY_ESCAPES[character]) : value;
}

function copyNullableText(value: string | null): string {
  return value === null ? '\\N' : copyText(value);
}

/** JSON for a jsonb column; JSON.stringify writes no raw control character, but strings may hold backslashes. */
function copyJson(value: unknown): string {
  return value === null || value === undefined ? '\\N' : copyText(jsonbText(value));
}

/** An integer column (the shape check lets only finite numbers through); a fraction is dropped. */
function copyInteger(value: number): string {
  return String(Math.trunc(value));
}

/**
 * Epoch milliseconds as timestamptz text. `Date#toISOString` cost the worker about 0.47 µs per event;
 * a batch's events fall in a few seconds, so each second's text is made once and the milliseconds added.
 */
export class CopyTimestamps {
  private second = Number.NaN;
  private prefix = '';

  of(epochMs: number): string {
    const ms = Math.trunc(epochMs);
    const second = Math.floor(ms / 1_000);
    if (second !== this.second) {
      this.second = second;
      // "2026-12-05T06:29:19" of "2026-12-05T06:29:19.000Z": the shape check keeps times in years 2000–9999.
      this.prefix = new Date(second * 1_000).toISOString().slice(0, 19);
    }
    const millis = ms - second * 1_000;
    return `${this.prefix}.${millis < 10 ? '00' : millis < 100 ? '0' : ''}${millis}Z`;
  }
}
