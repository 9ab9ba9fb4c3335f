import { Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { performance } from 'node:perf_hooks';
import { DataSource } from 'typeorm';
import { Agent, fetch } from 'undici';
import { TypedConfig } from '@switchyard/config';
import { checkWebhookUrl, type EventType, guardedLookup, RefusedAddressError, type WebhookPayload, webhookSignatureHeader } from '@switchyard/events';
import { type DeliveryAttempt, type EventEntity, WebhookDeliveryEntity, WebhookEntity } from '@switchyard/persistence';

/** The head of a (webhook, model) queue was not taken: the job is retried after `delayMs`, the queue waits behind it. */
export class DeliveryPostponedError extends Error {
  constructor(
    readonly delayMs: number,
    detail: string,
  ) {
    super(`webhook delivery postponed ${delayMs} ms: ${detail}`);
    this.name = 'DeliveryPostponedError';
  }
}

interface AttemptOutcome {
  ok: boolean;
  attempt: DeliveryAttempt;
}

/**
 * Delivers one (webhook, model) queue: its pending deliveries in event order, one at a time. A
 * delivery the receiver did not take (no 2xx) stops the queue, so nothing overtakes it, until it is
 * taken or has used WEBHOOK_MAX_ATTEMPTS (then it is marked failed and the queue moves on). At least
 * once: a worker that dies after sending and before recording sends again; receivers deduplicate by
 * the `webhook-id` header, the event's id.
 */
@Injectable()
export class WebhookDeliveryService implements OnApplicationShutdown {
  private readonly logger = new Logger(WebhookDeliveryService.name);
  /**
   * The connections to receivers. Their sockets look the host up through guardedLookup, so they go to
   * the addresses that were checked: a host cannot pass the check with a public address and then
   * resolve to an inside one (DNS rebinding).
   */
  private readonly receivers: Agent;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly config: TypedConfig,
  ) {
    this.receivers = new Agent({ connect: { lookup: guardedLookup(config.get('WEBHOOK_ALLOW_PRIVATE')) } });
  }

  async onApplicationShutdown(): Promise<void> {
    await this.receivers.close();
  }

  async drain(webhookId: string, modelName: string): Promise<number> {
    let delivered = 0;
    for (;;) {
      const webhook = await this.dataSource.manager.findOneBy(WebhookEntity, { id: webhookId });
      if (!webhook) return delivered;
      const head = await this.dataSource.manager
        .createQueryBuilder(WebhookDeliveryEntity, 'd')
        .innerJoinAndSelect('d.event', 'e')
        .where("d.webhook_id = :webhookId AND d.model_name = :modelName AND d.status = 'pending'", { webhookId, modelName })
        .orderBy('d.event_id', 'ASC')
        .limit(1)
        .getOne();
      if (!head) return delivered;
      const outcome = await this.send(webhook, head.event!);
      const attempts = head.attempts + 1;
      const exhausted = !outcome.ok && attempts >= this.config.get('WEBHOOK_MAX_ATTEMPTS');
      await this.dataSource.manager
        .createQueryBuilder()
        .update(WebhookDeliveryEntity)
        .set({
          attempts,
          status: outcome.ok ? 'delivered' : exhausted ? 'failed' : 'pending',
          deliveredAt: outcome.ok ? () => 'now()' : undefined,
          attemptLog: () => `attempt_log || :entry::jsonb`,
        })
        .setParameter('entry', JSON.stringify([outcome.attempt]))
        .where('id = :id', { id: head.id })
        .execute();
      if (outcome.ok) {
        delivered++;
        continue;
      }
      if (exhausted) {
        this.logger.warn({ webhookId, event: head.event!.uid, attempts }, 'webhook delivery failed for good; the next event goes');
        continue;
      }
      throw new DeliveryPostponedError(this.retryDelay(attempts), outcome.attempt.error ?? `status ${outcome.attempt.status_code}`);
    }
  }

  /** Doubling from WEBHOOK_RETRY_BASE_MS after each failed attempt, capped at WEBHOOK_RETRY_MAX_MS. */
  retryDelay(attempts: number): number {
    const base = this.config.get('WEBHOOK_RETRY_BASE_MS');
    return Math.min(this.config.get('WEBHOOK_RETRY_MAX_MS'), base * 2 ** Math.min(attempts - 1, 30));
  }

  private async send(webhook: WebhookEntity, event: EventEntity): Promise<AttemptOutcome> {
    const started = performance.now();
    const at = new Date().toISOString();
    const finish = (status_code: number | null, error: string | null): AttemptOutcome => ({
      ok: status_code !== null && status_code >= 200 && status_code < 300,
      attempt: { at, status_code, error, duration_ms: Math.round(performance.now() - started) },
    });
    // Checked again at each attempt: the host's addresses may have changed since the webhook was created.
    const verdict = await checkWebhookUrl(webhook.url, this.config.get('WEBHOOK_ALLOW_PRIVATE'));
    if (!verdict.ok) return finish(null, `url ${verdict.problem}`);
    const payload: WebhookPayload = {
      id: event.uid,
      type: event.type as EventType,
      timestamp: event.createdAt.toISOString(),
      model: event.modelName,
      data: event.data,
    };
    const body = JSON.stringify(payload);
    const timestamp = Math.floor(Date.now() / 1000);
    try {
      const response = await fetch(verdict.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'user-agent': 'switchyard-webhooks',
          'webhook-id': event.uid,
          'webhook-timestamp': String(timestamp),
          'webhook-signature': webhookSignatureHeader(webhook, new Date(), event.uid, timestamp, body),
        },
        body,
        // A redirect could lead anywhere, past the address check: it counts as not taken.
        redirect: 'manual',
        signal: AbortSignal.timeout(this.config.get('WEBHOOK_TIMEOUT_MS')),
        dispatcher: this.receivers,
      });
      await response.body?.cancel().catch(() => undefined);
      return finish(response.status, response.ok ? null : `answered ${response.status}`);
    } catch (error) {
      const cause = (error as { cause?: unknown }).cause;
      if (cause instanceof RefusedAddressError) return finish(null, `url ${cause.message}`);
      const code = (cause as { code?: string } | undefined)?.code;
      return finish(null, (error as Error).name === 'TimeoutError' ? 'timed out' : `could not connect${code ? ` (${code})` : ''}`);
    }
  }
}
