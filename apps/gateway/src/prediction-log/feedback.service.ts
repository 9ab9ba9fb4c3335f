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
    const field = feedbackField(dto);
    const model = await this.modelOf(dto, callerModels);
    const serving = this.sessions.serving(model);
    const given = dto[field];
    // A model this replica does not serve (yet) is judged by the feedback's own type, as before.
    const task = serving?.task ?? (typeof given === 'number' ? 'regression' : 'classification');
    const checked = this.check(field, model, task, serving?.labels ?? null, given);
    const event: FeedbackEvent =
      field === 'value'
        ? { request_id: dto.request_id, model, value: checked.value, at: Date.now() }
        : { request_id: dto.request_id, model, label: checked.value, label_index: checked.index, at: Date.now() };
    try {
      await this.redis.xadd(feedbackStreamKey(this.prefix), '*', 'event', JSON.stringify(event));
    } catch (error) {
      throw new DomainError('DEPENDENCY_UNAVAILABLE', 'the feedback could not be recorded: Redis is unavailable; retry later', { cause: error });
    }
    return { request_id: dto.request_id, model, [field]: checked.value, accepted_at: new Date(event.at).toISOString() };
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

  /**
   * A value or label that suits the model's task; a classifier's class index becomes its class name.
   * `index` is the class index when it is known (from the model's labels, or a label given as an
   * index of a model without labels, whose predicted classes are indices too).
   */
  private check(field: FeedbackField, model: string, task: ModelTask, labels: string[] | null, value: unknown): { value: number | string; index: number | null } {
    if (task === 'regression') {
      if (typeof value === 'number' && Number.isFinite(value)) return { value, index: null };
      throw invalid(field, `model "${model}" is a regression: ${field} must be a finite number, not ${JSON.stringify(value)}`);
    }
    if (typeof value === 'number') {
      if (!Number.isInteger(value) || value < 0) throw invalid(field, `model "${model}" is a classifier: ${field} must be a class name or a class index (an integer ≥ 0), not ${value}`);
      if (labels && value >= labels.length) throw invalid(field, `model "${model}" has ${labels.length} classes: class index ${value} is out of range`);
      return { value: labels ? labels[value] : String(value), index: value };
    }
    if (typeof value === 'string' && value.includes('\u0000')) {
      throw invalid(field, `model "${model}" is a classifier: ${field} must be a class name without the NUL character (U+0000)`);
    }
    if (typeof value === 'string' && value.length >= 1 && value.length <= MAX_LABEL_LENGTH) {
      if (labels && !labels.includes(value)) {
        throw invalid(field, `model "${model}" has no class "${value}"; its labels are ${labels.slice(0, 20).map((l) => JSON.stringify(l)).join(', ')}${labels.length > 20 ? ', …' : ''}`);
      }
      const index = labels ? labels.indexOf(value) : /^(0|[1-9]\d{0,5})$/.test(value) ? Number(value) : null;
      return { value, index };
    }
    throw invalid(field, `model "${model}" is a classifier: ${field} must be a class name (1–${MAX_LABEL_LENGTH} characters) or a class index`);
  }
}

type FeedbackField = 'value' | 'label';

/** Feedback is either a business outcome (`value`) or ground truth (`label`): exactly one of them. */
function feedbackField(dto: FeedbackDto): FeedbackField {
  const hasValue = dto.value !== undefined && dto.value !== null;
  const hasLabel = dto.label !== undefined && dto.label !== null;
  if (hasValue && hasLabel) {
    throw invalid('label', 'give either value (a business outcome, compared by its mean) or label (the ground truth, from which model quality is measured), not both');
  }
  if (!hasValue && !hasLabel) {
    throw invalid('value', 'value or label is required: value for a business outcome (a number, or a class for a classifier), label for the ground truth (a number for a regression, a class name or index for a classifier)');
  }
  return hasValue ? 'value' : 'label';
}

function indexUnavailable(cause: unknown): DomainError {
  return new DomainError('DEPENDENCY_UNAVAILABLE', 'predictions cannot be looked up: Redis is unavailable; retry later', { cause });
}

function invalid(field: FeedbackField, message: string): DomainError {
  return new DomainError('VALIDATION_FAILED', message, { errors: [{ field, message }] });
}
