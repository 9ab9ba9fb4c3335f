import { Inject, Injectable } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { TypedConfig } from '@switchyard/config';
import { DomainError } from '@switchyard/errors';
import type { ModelTask } from '@switchyard/domain';
import { type FeedbackEvent, feedbackStreamKey, REDIS_CLIENT, requestIndexKey } from '@switchyard/queues';
import { ModelSessions } from '../sessions/model-sessions.service';
import type { FeedbackAccepted, FeedbackDto } from './feedback.dto';

const HOUR_MS = 3_600_000;
const MAX_LABEL_LENGTH = 200;

/**
 * `POST /v1/feedback`: the outcome of an earlier prediction. The request id is checked against the
 * hourly index the gateways write with the prediction log (so an unknown or expired id is a 404 now,
 * not a silent loss later); the value must suit the model's task; the accepted outcome goes onto a
 * Redis stream before the 202, and the worker joins it to the prediction.
 *
 * A request id is the client's choice, so it may have been used on more than one model: a prediction
 * is (model, request id), feedback names the model or lets the gateway find the one model this key
 * may use that the id was used on, and a key never sees (nor reports on) another model's predictions:
 * those are a 404, as an unknown id is, so a scoped key cannot probe which ids other models used.
 */
@Injectable()
export class FeedbackService {
  private readonly prefix: string;
  private readonly windowMs: number;

  constructor(
    config: TypedConfig,
    @Inject(REDIS_CLIENT) private readonly redis: Redis,
    private readonly sessions: ModelSessions,
  ) {
    this.prefix = config.get('REDIS_PREFIX');
    this.windowMs = config.get('FEEDBACK_WINDOW_SECONDS') * 1_000;
  }

  /** `callerModels`: the models the caller's key is limited to (null: every model, or auth is off). */
  async accept(dto: FeedbackDto, callerModels: string[] | null): Promise<FeedbackAccepted> {
    const model = await this.modelOf(dto, callerModels);
    const serving = this.sessions.serving(model);
    const value = this.checkValue(model, serving?.task ?? (typeof dto.value === 'number' ? 'regression' : 'classification'), serving?.labels ?? null, dto.value);
    const event: FeedbackEvent = { request_id: dto.request_id, model, value, at: Date.now() };
    try {
      await this.redis.xadd(feedbackStreamKey(this.prefix), '*', 'event', JSON.stringify(event));
    } catch (error) {
      throw new DomainError('DEPENDENCY_UNAVAILABLE', 'the feedback could not be recorded: Redis is unavailable; retry later', { cause: error });
    }
    return { request_id: dto.request_id, model, value, accepted_at: new Date(event.at).toISOString() };
  }

  /** The model whose prediction the feedback is about, among those the id was used on and the key may see. */
  private async modelOf(dto: FeedbackDto, callerModels: string[] | null): Promise<string> {
    const used = await this.modelsThatUsed(dto.request_id);
    const visible = used.filter((model) => callerModels === null || callerModels.includes(model));
    if (dto.model !== undefined ? !visible.includes(dto.model) : visible.length === 0) {
      const on = dto.model === undefined ? '' : ` on model "${dto.model}"`;
      throw new DomainError(
        'PREDICTION_NOT_FOUND',
        `no prediction with request_id "${dto.request_id}"${on} that this key may see in the last ${this.windowMs / 3_600_000} hours (feedback is accepted for FEEDBACK_WINDOW_SECONDS after a prediction)`,
      );
    }
    if (dto.model !== undefined) return dto.model;
    if (visible.length > 1) {
      const message = `request_id "${dto.request_id}" was used on more than one model (${visible.map((m) => `"${m}"`).join(', ')}): name the prediction's model in "model"`;
      throw new DomainError('VALIDATION_FAILED', message, { errors: [{ field: 'model', message }] });
    }
    return visible[0];
  }

  /**
   * Every model that used the id within the window, from the hourly index (newest hour first; the
   * window's oldest hour is read too and the entry's own time is not known, so the window is at most
   * one hour generous). An index that cannot be read is a 503, never a 404: the prediction may exist.
   */
  private async modelsThatUsed(requestId: string): Promise<string[]> {
    const now = Date.now();
    const pipeline = this.redis.pipeline();
    for (let at = now; at >= now - this.windowMs - HOUR_MS; at -= HOUR_MS) pipeline.hget(requestIndexKey(this.prefix, at), requestId);
    let results: [Error | null, unknown][] | null;
    try {
      results = await pipeline.exec();
    } catch (error) {
      throw indexUnavailable(error);
    }
    const failed = !results ? new Error('pipeline discarded') : results.find(([error]) => error)?.[0];
    if (failed) throw indexUnavailable(failed);
    const models = new Set<string>();
    for (const [, entry] of results!) if (typeof entry === 'string') for (const model of entry.split(' ')) if (model) models.add(model);
    return [...models];
  }

  private checkValue(model: string, task: ModelTask, labels: string[] | null, value: unknown): number | string {
    if (task === 'regression') {
      if (typeof value === 'number' && Number.isFinite(value)) return value;
      throw invalidValue(`model "${model}" is a regression: value must be a finite number, not ${JSON.stringify(value)}`);
    }
    if (typeof value === 'number') {
      if (!Number.isInteger(value) || value < 0) throw invalidValue(`model "${model}" is a classifier: value must be a label or a class index (an integer ≥ 0), not ${value}`);
      if (labels && value >= labels.length) throw invalidValue(`model "${model}" has ${labels.length} classes: class index ${value} is out of range`);
      return labels ? labels[value] : String(value);
    }
    if (typeof value === 'string' && value.length >= 1 && value.length <= MAX_LABEL_LENGTH) {
      if (labels && !labels.includes(value)) throw invalidValue(`model "${model}" has no class "${value}"; its labels are ${labels.slice(0, 20).map((l) => JSON.stringify(l)).join(', ')}${labels.length > 20 ? ', …' : ''}`);
      return value;
    }
    throw invalidValue(`model "${model}" is a classifier: value must be a label (1–${MAX_LABEL_LENGTH} characters) or a class index`);
  }
}

function indexUnavailable(cause: unknown): DomainError {
  return new DomainError('DEPENDENCY_UNAVAILABLE', 'predictions cannot be looked up: Redis is unavailable; retry later', { cause });
}

function invalidValue(message: string): DomainError {
  return new DomainError('VALIDATION_FAILED', message, { errors: [{ field: 'value', message }] });
}
