import { Injectable, Logger } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { TypedConfig } from '@switchyard/config';
import { DomainError, type FieldError } from '@switchyard/errors';
import { checkWebhookUrl, generateWebhookSecret, WEBHOOK_SECRET_RULE, webhookSecretKey } from '@switchyard/events';
import { decodeCursor, type Page, toPage, WebhookDeliveryEntity, WebhookEntity } from '@switchyard/persistence';
import { type CreatedWebhookResponse, type CreateWebhookDto, DEFAULT_SECRET_OVERLAP_SECONDS, type DeliveryResponse, type UpdatedWebhookResponse, type UpdateWebhookDto, type WebhookResponse } from './dto/webhook.dto';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

function present(webhook: WebhookEntity): WebhookResponse {
  return {
    id: webhook.id,
    url: webhook.url,
    events: webhook.events,
    model: webhook.model,
    previous_secret_expires_at: webhook.previousSecretExpiresAt !== null && webhook.previousSecretExpiresAt > new Date() ? webhook.previousSecretExpiresAt.toISOString() : null,
    created_by: webhook.createdBy,
    created_at: webhook.createdAt.toISOString(),
  };
}

function presentDelivery(delivery: WebhookDeliveryEntity): DeliveryResponse {
  return {
    id: Number(delivery.id),
    event_id: delivery.event!.uid,
    event_type: delivery.event!.type,
    model: delivery.modelName,
    status: delivery.status,
    attempts: delivery.attempts,
    attempt_log: delivery.attemptLog,
    created_at: delivery.createdAt.toISOString(),
    delivered_at: delivery.deliveredAt?.toISOString() ?? null,
  };
}

/** Webhook subscriptions (admin) and their delivery log. Delivering is the worker's. */
@Injectable()
export class WebhooksService {
  private readonly logger = new Logger(WebhooksService.name);

  constructor(
    @InjectRepository(WebhookEntity) private readonly webhooks: Repository<WebhookEntity>,
    @InjectRepository(WebhookDeliveryEntity) private readonly deliveries: Repository<WebhookDeliveryEntity>,
    private readonly config: TypedConfig,
  ) {}

  async create(dto: CreateWebhookDto, actor: string): Promise<CreatedWebhookResponse> {
    const errors: FieldError[] = [];
    const verdict = await checkWebhookUrl(dto.url, this.config.get('WEBHOOK_ALLOW_PRIVATE'));
    if (!verdict.ok) errors.push({ field: 'url', message: verdict.problem });
    if (dto.secret !== undefined && !webhookSecretKey(dto.secret)) errors.push({ field: 'secret', message: `must be ${WEBHOOK_SECRET_RULE}` });
    if (errors.length) throw new DomainError('VALIDATION_FAILED', errors.map((e) => `${e.field}: ${e.message}`).join('; '), { errors });
    const secret = dto.secret ?? generateWebhookSecret();
    const saved = await this.webhooks.save(
      this.webhooks.create({ url: dto.url, events: [...new Set(dto.events)], model: dto.model ?? null, secret, createdBy: actor }),
    );
    return { ...present(saved), secret };
  }

  /**
   * Changes what is given. Deliveries already logged keep their events; the next attempt of one still
   * pending goes to the URL, signed with the secret, that the webhook has then. The secret appears in
   * the answer only when this change set or generated it.
   */
  async update(id: string, dto: UpdateWebhookDto, actor: string): Promise<UpdatedWebhookResponse> {
    const webhook = await this.find(id);
    const errors: FieldError[] = [];
    if (dto.url === undefined && dto.events === undefined && dto.model === undefined && dto.secret === undefined && dto.rotate_secret === undefined) {
      errors.push({ field: 'body', message: 'send at least one of url, events, model, secret, rotate_secret' });
    }
    if (dto.url !== undefined) {
      const verdict = await checkWebhookUrl(dto.url, this.config.get('WEBHOOK_ALLOW_PRIVATE'));
      if (!verdict.ok) errors.push({ field: 'url', message: verdict.problem });
    }
    if (dto.secret !== undefined && dto.rotate_secret) errors.push({ field: 'secret', message: 'send a secret or rotate_secret, not both' });
    else if (dto.secret !== undefined && !webhookSecretKey(dto.secret)) errors.push({ field: 'secret', message: `must be ${WEBHOOK_SECRET_RULE}` });
    if (dto.secret_overlap_seconds !== undefined && dto.secret === undefined && !dto.rotate_secret) {
      errors.push({ field: 'secret_overlap_seconds', message: 'applies to a new secret: send it with secret or rotate_secret' });
    }
    if (errors.length) throw new DomainError('VALIDATION_FAILED', errors.map((e) => `${e.field}: ${e.message}`).join('; '), { errors });
    const secret = dto.rotate_secret ? generateWebhookSecret() : dto.secret;
    if (dto.url !== undefined) webhook.url = dto.url;
    if (dto.events !== undefined) webhook.events = [...new Set(dto.events)];
    if (dto.model !== undefined) webhook.model = dto.model;
    if (secret !== undefined) {
      // The replaced secret signs beside the new one for the overlap, so the receiver can switch without refusing a delivery.
      const overlapSeconds = dto.secret_overlap_seconds ?? DEFAULT_SECRET_OVERLAP_SECONDS;
      webhook.previousSecret = overlapSeconds > 0 ? webhook.secret : null;
      webhook.previousSecretExpiresAt = overlapSeconds > 0 ? new Date(Date.now() + overlapSeconds * 1_000) : null;
      webhook.secret = secret;
    }
    const saved = await this.webhooks.save(webhook);
    this.logger.log({ webhook: id, actor, changed: Object.keys(dto).filter((key) => dto[key as keyof UpdateWebhookDto] !== undefined) }, 'webhook changed');
    return secret === undefined ? present(saved) : { ...present(saved), secret };
  }

  async list(): Promise<WebhookResponse[]> {
    return (await this.webhooks.find({ order: { createdAt: 'ASC' } })).map(present);
  }

  async get(id: string): Promise<WebhookResponse> {
    return present(await this.find(id));
  }

  /** Removes the webhook and its delivery log; deliveries in flight stop at their next step. */
  async delete(id: string): Promise<void> {
    await this.webhooks.delete({ id: (await this.find(id)).id });
  }

  /** Newest first, each with every attempt and its outcome. */
  async deliveriesOf(id: string, limit: number, cursor?: string): Promise<Page<DeliveryResponse>> {
    const webhook = await this.find(id);
    const query = this.deliveries
      .createQueryBuilder('d')
      .innerJoinAndSelect('d.event', 'e')
      .where('d.webhook_id = :id', { id: webhook.id })
      .orderBy('d.id', 'DESC')
      .limit(limit + 1);
    if (cursor !== undefined) query.andWhere('d.id < :after', { after: decodeCursor(cursor, 'number') });
    return toPage(await query.getMany(), limit, (d) => Number(d.id), presentDelivery);
  }

  private async find(id: string): Promise<WebhookEntity> {
    const found = UUID.test(id) ? await this.webhooks.findOneBy({ id }) : null;
    if (!found) throw new DomainError('WEBHOOK_NOT_FOUND', `no webhook with id "${id}"; list them with GET /v1/webhooks`);
    return found;
  }
}
