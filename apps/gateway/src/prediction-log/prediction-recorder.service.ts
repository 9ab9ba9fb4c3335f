import { Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import type { Redis } from 'ioredis';
import type * as ort from 'onnxruntime-node';
import { TypedConfig } from '@switchyard/config';
import { isDomainError, problemKindOf } from '@switchyard/errors';
import {
  createRedisClient,
  EVENTS_PER_STREAM_ENTRY,
  EVENTS_PER_STRINGIFY,
  PREDICTION_STREAM_MAX_ENTRIES,
  type PredictionEvent,
  predictionStreamKey,
  REQUEST_INDEX_BUCKET_MS,
  requestIndexKey,
  SHADOW_VARIANT,
  STREAM_BATCH_FIELD,
  type EncodedEntry,
  StreamEntryEncoder,
} from '@switchyard/queues';
import { hashRoutingKey, RecentMemo } from '@switchyard/routing';
import { packInputColumnMeans, summarizeInputMeans, summarizeOutput } from '@switchyard/tensor';
import { GatewayMetrics } from '../gateway-metrics';
import type { Routed } from '../inference/inference.service';
import type { LoadedVersion } from '../sessions/loaded-version';
import { ModelSessions } from '../sessions/model-sessions.service';

/** Sampled payloads larger than this are not kept. */
const MAX_PAYLOAD_CHARS = 256 * 1024;
/** How long shutdown waits for the last flush. */
const FINAL_FLUSH_MS = 3_000;
/**
 * Adds each (request id, model) pair to an hourly index hash: a request id maps to the models that
 * used it, space-separated in the order they first did. A later prediction never replaces an earlier
 * one's model (a plain HSET let any caller move a client-chosen id to its own model), and feedback can
 * tell an id used on one model from one used on several. The pairs come as one argument, `id model id
 * model …`: neither has spaces (request ids are visible ASCII without spaces, model names have none),
 * and one argument per flush costs the gateway less than two per prediction. A new id (nearly every
 * one) is one HSETNX, not an HGET and an HSET: Redis's CPU per logged prediction went from about 1.4
 * to 1.1 µs (100 scripts of 600 fresh ids, three alternating runs).
 */
const CLAIM_REQUEST_IDS = `
local key = KEYS[1]
for id, model in string.gmatch(ARGV[2], '(%S+) (%S+)') do
  if redis.call('HSETNX', key, id, model) == 0 then
    local models = redis.call('HGET', key, id)
    if not string.find(' ' .. models .. ' ', ' ' .. model .. ' ', 1, true) then
      redis.call('HSET', key, id, models .. ' ' .. model)
    end
  end
end
redis.call('EXPIRE', key, ARGV[1])
return 0
`;

/** A shadow's run on a copy of a champion request (see apps/gateway/src/shadow). */
export interface ShadowRun {
  /** The champion's request id: the shadow's answer is logged under it. */
  requestId: string;
  champion: LoadedVersion;
  shadow: LoadedVersion;
  /** Epoch ms when the champion's request arrived, so both rows fall in the same minute. */
  receivedAt: number;
  /** The shadow's own run, without its wait in the queue. */
  latencyUs: number;
  championResults: Record<string, ort.Tensor>;
  /** The shadow's results, or what it threw. */
  results: Record<string, ort.Tensor> | null;
  error: unknown;
}

export interface PredictionContext {
  requestId: string;
  routed: Routed;
  routingKey?: string;
  /** Epoch ms when the request arrived, and performance.now() then. */
  receivedAt: number;
  startedAt: number;
}

/**
 * The gateway's side of the prediction log. Requests never wait on it: events go into a bounded
 * buffer that a timer flushes to a Redis stream in batches (with the request-id index feedback
 * checks, in the same MULTI). The buffer holds events as JSON: every fifty are serialized as soon as
 * they are recorded (StreamEntryEncoder), so that event objects do not outlive the young generation.
 * A full buffer drops new events; a failed flush puts its events back while there is room. Drops are
 * counted, never thrown.
 */
@Injectable()
export class PredictionRecorder implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(PredictionRecorder.name);
  private readonly enabled: boolean;
  private readonly capacity: number;
  private readonly flushMs: number;
  private readonly sampleRate: number;
  private readonly prefix: string;
  private readonly indexTtlSeconds: number;
  /** Events recorded since the last group was serialized: fewer than EVENTS_PER_STRINGIFY. */
  private staged: PredictionEvent[] = [];
  /** The serialized groups waiting for the flush, each with its events' request-index pairs. */
  private readonly encoder = new StreamEntryEncoder<IndexPairs[]>();
  /**
   * What a failed flush kept, as far as there was room, for the next flush to write first: its entries
   * that fitted whole, as they were, then the events that fitted of the one that did not.
   */
  private retryEntries: PendingEntry[] = [];
  private flushing: Promise<void> | null = null;
  private timer?: NodeJS.Timeout;
  private redis?: Redis;
  /** Recent callers' pseudonyms: a SHA-256 per prediction otherwise, and callers come back. */
  private readonly pseudonyms = new RecentMemo(hashRoutingKey);

  constructor(
    private readonly config: TypedConfig,
    private readonly metrics: GatewayMetrics,
    private readonly sessions: ModelSessions,
  ) {
    this.enabled = config.get('PREDICTION_LOG_ENABLED');
    this.capacity = config.get('PREDICTION_LOG_BUFFER_EVENTS');
    this.flushMs = config.get('PREDICTION_LOG_FLUSH_MS');
    this.sampleRate = config.get('PREDICTION_LOG_PAYLOAD_SAMPLE_RATE');
    this.prefix = config.get('REDIS_PREFIX');
    // The index outlives the feedback window by the hour its bucket spans.
    this.indexTtlSeconds = config.get('FEEDBACK_WINDOW_SECONDS') + 3_600;
    metrics.observeLogBuffer(() => this.pending);
  }

  onModuleInit(): void {
    if (!this.enabled) return;
    // A connection of its own: a slow flush must not queue behind (or ahead of) deployment reads.
    this.redis = createRedisClient(this.config.get('REDIS_URL'));
    this.redis.on('error', () => undefined);
    this.timer = setInterval(() => void this.flush(), this.flushMs);
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    if (!this.redis) return;
    const deadline = Date.now() + FINAL_FLUSH_MS;
    while (this.pending > 0 && Date.now() < deadline && this.redis.status === 'ready') await this.flush();
    if (this.pending > 0) this.drop(this.pending, 'shutdown');
    await this.redis.quit().catch(() => this.redis?.disconnect());
  }

  recordSuccess(context: PredictionContext, feeds: Record<string, ort.Tensor>, results: Record<string, ort.Tensor>, payload: () => { request: unknown; response: unknown }): void {
    if (!this.enabled) return;
    const { task, labels } = this.meaningOf(context.routed);
    this.push(
      this.event(context, 200, null, {
        inputs: summarizeInputMeans(feeds),
        input_columns: packInputColumnMeans(feeds),
        output: summarizeOutput(results, task, labels, context.routed.version.signature.outputs[0]?.name),
        payload: Math.random() < this.sampleRate ? this.sampled(payload) : null,
      }),
    );
  }

  recordFailure(context: PredictionContext, error: unknown): void {
    if (!this.enabled) return;
    const status = isDomainError(error) ? problemKindOf(error.code).status : 500;
    this.push(this.event(context, status, isDomainError(error) ? error.code : 'INTERNAL', { inputs: null, input_columns: undefined, output: null, payload: null }));
  }

  /** The shadow's answer beside the champion's output; inputs are the champion's (already logged), so none are kept. */
  recordShadow(run: ShadowRun): void {
    if (!this.enabled) return;
    const serving = this.sessions.serving(run.shadow.model);
    const task = serving?.task ?? 'regression';
    const labels = serving?.labels ?? null;
    const failed = run.results === null;
    this.push({
      request_id: run.requestId,
      model: run.shadow.model,
      version: run.shadow.version,
      variant: SHADOW_VARIANT,
      routing_key_hash: null,
      at: run.receivedAt,
      latency_us: run.latencyUs,
      status: failed ? (isDomainError(run.error) ? problemKindOf(run.error.code).status : 500) : 200,
      error: failed ? (isDomainError(run.error) ? run.error.code : 'INTERNAL') : null,
      inputs: null,
      input_columns: undefined,
      output: failed ? null : summarizeOutput(run.results!, task, labels, run.shadow.signature.outputs[0]?.name),
      payload: null,
      champion_output: summarizeOutput(run.championResults, task, labels, run.champion.signature.outputs[0]?.name),
    });
  }

  /** Events waiting in this replica (for tests and the gauge). */
  get pending(): number {
    let events = this.encoder.events + this.staged.length;
    for (const entry of this.retryEntries) events += entry.events;
    return events;
  }

  /**
   * One event as a single object literal, every field in one order: this runs on every prediction,
   * and spreading a shared part into each event cost more than the rest of the recording together.
   */
  private event(
    context: PredictionContext,
    status: number,
    error: string | null,
    { inputs, input_columns, output, payload }: Pick<PredictionEvent, 'inputs' | 'input_columns' | 'output' | 'payload'>,
  ): PredictionEvent {
    const { version, variant } = context.routed;
    return {
      request_id: context.requestId,
      model: version.model,
      version: version.version,
      variant,
      routing_key_hash: context.routingKey === undefined ? null : this.pseudonyms.get(context.routingKey),
      at: context.receivedAt,
      latency_us: Math.round((performance.now() - context.startedAt) * 1_000),
      status,
      error,
      inputs,
      input_columns,
      output,
      payload,
    };
  }

  private meaningOf(routed: Routed) {
    const serving = this.sessions.serving(routed.version.model);
    return { task: serving?.task ?? 'regression', labels: serving?.labels ?? null };
  }

  private sampled(payload: () => { request: unknown; response: unknown }) {
    const value = payload();
    return JSON.stringify(value).length <= MAX_PAYLOAD_CHARS ? value : null;
  }

  private push(event: PredictionEvent): void {
    if (this.pending >= this.capacity) {
      this.drop(1, 'buffer_full');
      return;
    }
    this.staged.push(event);
    if (this.staged.length >= EVENTS_PER_STRINGIFY) this.encodeStaged();
    if (this.encoder.events >= EVENTS_PER_STREAM_ENTRY * 4 && !this.flushing) void this.flush();
  }

  private encodeStaged(): void {
    if (this.staged.length === 0) return;
    const events = this.staged;
    this.staged = [];
    appendGroup(this.encoder, events);
  }

  private drop(count: number, reason: string): void {
    this.metrics.logDropped.inc({ reason }, count);
  }

  /** One flush at a time; each takes what the buffer holds now, what a failed flush kept first. */
  flush(): Promise<void> {
    if (this.flushing || this.pending === 0 || !this.redis) return this.flushing ?? Promise.resolve();
    this.encodeStaged();
    const entries = this.retryEntries;
    this.retryEntries = [];
    entries.push(...this.encoder.take(EVENTS_PER_STREAM_ENTRY));
    this.flushing = this.write(entries).finally(() => {
      this.flushing = null;
    });
    return this.flushing;
  }

  private async write(entries: PendingEntry[]): Promise<void> {
    const transaction = this.redis!.multi();
    const stream = predictionStreamKey(this.prefix);
    // The pairs of each hourly index hash, by the hour's number: a flush's events share one or two hours.
    const index = new Map<number, string[]>();
    for (const entry of entries) {
      transaction.xadd(stream, 'MAXLEN', '~', String(PREDICTION_STREAM_MAX_ENTRIES), '*', STREAM_BATCH_FIELD, entry.bytes);
      for (const pairs of entry.groups) {
        for (const { hour, text } of pairs) {
          const texts = index.get(hour);
          if (texts === undefined) index.set(hour, [text]);
          else texts.push(text);
        }
      }
    }
    for (const [hour, texts] of index) transaction.eval(CLAIM_REQUEST_IDS, 1, requestIndexKey(this.prefix, hour * REQUEST_INDEX_BUCKET_MS), String(this.indexTtlSeconds), texts.join(' '));
    const events = entries.reduce((sum, entry) => sum + entry.events, 0);
    try {
      const results = await transaction.exec();
      const failed = results?.find(([error]) => error);
      if (!results || failed) throw failed?.[0] ?? new Error('transaction discarded');
      this.metrics.logFlushed.inc(events);
    } catch (error) {
      const kept = this.keepForRetry(entries);
      if (events > kept) this.drop(events - kept, 'redis_unavailable');
      this.logger.warn(`prediction log flush failed (${events} events, ${kept} kept for retry): ${(error as Error).message}`);
    }
  }

  /**
   * Back to the front of the buffer, oldest first, as far as there is room; the rest are dropped.
   * Entries that fit whole are kept as bytes (during an outage every flush fails, and would otherwise
   * parse and serialize the whole buffer again each time); only an entry that fits in part is read
   * back into events, and its first ones serialized again, in an encoder of their own (a failed flush
   * is rare: Redis was unreachable). Returns how many events were kept.
   */
  private keepForRetry(entries: PendingEntry[]): number {
    let room = Math.max(0, this.capacity - this.pending);
    let kept = 0;
    for (const entry of entries) {
      if (room === 0) break;
      if (entry.events <= room) {
        this.retryEntries.push(entry);
        room -= entry.events;
        kept += entry.events;
      } else {
        const events = (JSON.parse(entry.bytes.toString('utf8')) as PredictionEvent[]).slice(0, room);
        const encoder = new StreamEntryEncoder<IndexPairs[]>();
        for (let i = 0; i < events.length; i += EVENTS_PER_STRINGIFY) appendGroup(encoder, events.slice(i, i + EVENTS_PER_STRINGIFY));
        this.retryEntries.push(...encoder.take(EVENTS_PER_STREAM_ENTRY));
        kept += room;
        room = 0;
      }
    }
    return kept;
  }
}

/** The (request id, model) pairs of some events that arrived in one hour, `id model id model …`. */
interface IndexPairs {
  hour: number;
  text: string;
}

/** A stream entry ready to write, each of its groups with its events' request-index pairs. */
type PendingEntry = EncodedEntry<IndexPairs[]>;

/**
 * Serializes a group of events into the encoder with their (request id, model) pairs, one text per
 * hour (nearly always one): the pairs of every event, kept apart until the flush, were as many strings
 * for the young generation to copy (and a key string built and hashed per event to group them by hour
 * cost about 2,000 instructions each).
 */
function appendGroup(encoder: StreamEntryEncoder<IndexPairs[]>, events: PredictionEvent[]): void {
  const groupPairs: IndexPairs[] = [];
  let hour = Math.floor(events[0].at / REQUEST_INDEX_BUCKET_MS);
  let pairs: string[] = [];
  for (const event of events) {
    const eventHour = Math.floor(event.at / REQUEST_INDEX_BUCKET_MS);
    if (eventHour !== hour) {
      groupPairs.push({ hour, text: pairs.join(' ') });
      hour = eventHour;
      pairs = [];
    }
    pairs.push(event.request_id, event.model);
  }
  groupPairs.push({ hour, text: pairs.join(' ') });
  encoder.append(events, groupPairs);
}
