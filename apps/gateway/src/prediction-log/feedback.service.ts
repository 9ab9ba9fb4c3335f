import { Inject, Injectable } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { TypedConfig } from '../../../../libs/config/src';
import { DomainError } from '../../../../libs/errors/src';
import { type FeedbackEvent, feedbackStreamKey, type ModelTask, REDIS_CLIENT, requestIndexKey } from '../../../../libs/queues/src';
import { ModelSessions } from '../sessions/model-sessions.service';
import type { FeedbackAccepted, FeedbackDto } from './feedback.dto';

const HOUR_MS = 3_600_000;
const MAX_LABEL_LENGTH = 200;

/**
 * `POST /v1/feedback`: the outcome of an earlier prediction. The request id is checked against the
 * hourly index the gateways write with the prediction log (so an unknown or expired id is a 404 now,
 * not a silent loss later); the value must suit the model's task; the accepted outcome goes onto a
 * Redis stream before the 202, and the worker joins it to the prediction.
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

  async accept(dto: FeedbackDto): Promise<FeedbackAccepted> {
    const model = await this.modelOf(dto.request_id);
    const serving = this.sessions.serving(model);
    const value = this.checkValue(model, serving?.task ?? (typeof dto.value === 'number' ? 'regression' : 'classification'), serving?.labels ?? null, dto.value);
    const event: FeedbackEvent = { request_id: dto.request_id, value, at: Date.now() };
    try {
      await this.redis.xadd(feedbackStreamKey(this.prefix), '*', 'event', JSON.stringify(event));
    } catch (error) {
      throw new DomainError('DEPENDENCY_UNAVAILABLE', 'the feedback could not be recorded: Redis is unavailable; retry later', { cause: error });
    }
    return { request_id: dto.request_id, model, value, accepted_at: new Date(event.at).toISOString() };
  }

  /** Newest hour first; the window's oldest hour is read too and the entry's own time is not known, so the window is at most one hour generous. */
  private async modelOf(requestId: string): Promise<string> {
    const now = Date.now();
    const pipeline = this.redis.pipeline();
    for (let at = now; at >= now - this.windowMs - HOUR_MS; at -= HOUR_MS) pipeline.hget(requestIndexKey(this.prefix, at), requestId);
    let results: [Error | null, unknown][] | null;
    try {
      results = await pipeline.exec();
    } catch (error) {
      throw new DomainError('DEPENDENCY_UNAVAILABLE', 'predictions cannot be looked up: Redis is unavailable; retry later', { cause: error });
    }
    const found = results?.find(([error, model]) => !error && typeof model === 'string');
    if (!found) {
      throw new DomainError(
        'PREDICTION_NOT_FOUND',
        `no prediction with request_id "${requestId}" in the last ${this.windowMs / 3_600_000} hours (feedback is accepted for FEEDBACK_WINDOW_SECONDS after a prediction)`,
      );
    }
    return found[1] as string;
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

function invalidValue(message: string): DomainError {
  return new DomainError('VALIDATION_FAILED', message, { errors: [{ field: 'value', message }] });
}
