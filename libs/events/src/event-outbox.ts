import type { EntityManager } from 'typeorm';
import { EventEntity } from '@switchyard/persistence';
import type { EventType } from './event-types';

export interface EventToRecord {
  type: EventType;
  modelName: string;
  data: Record<string, unknown>;
}

/** A (webhook, model) queue that has a new pending delivery. */
export interface DeliveryQueueKey {
  webhookId: string;
  modelName: string;
}

/**
 * Records an event and a pending delivery for every webhook that wants it, inside the transaction of
 * the change it describes (the outbox): committed together or not at all. The per-model advisory lock
 * makes a model's events take their ids in commit order, so a delivery never overtakes an earlier
 * event whose transaction had not yet committed.
 */
export async function recordEvent(manager: EntityManager, event: EventToRecord): Promise<DeliveryQueueKey[]> {
  await manager.query(`SELECT pg_advisory_xact_lock(hashtext('switchyard-events'), hashtext($1))`, [event.modelName]);
  const saved = await manager.save(manager.create(EventEntity, { type: event.type, modelName: event.modelName, data: event.data }));
  const eventId = saved.id;
  const rows = (await manager.query(
    `INSERT INTO webhook_deliveries (webhook_id, event_id, model_name)
     SELECT w.id, $1::bigint, $2::varchar FROM webhooks w WHERE w.events ? $3::text AND (w.model IS NULL OR w.model = $2::varchar)
     RETURNING webhook_id`,
    [eventId, event.modelName, event.type],
  )) as Array<{ webhook_id: string }>;
  return rows.map((row) => ({ webhookId: row.webhook_id, modelName: event.modelName }));
}
