import type { Redis } from 'ioredis';
import type { ApiKeyRecord } from './api-key';

/**
 * The registry mirrors every key record (never a secret) into the Redis hash `<prefix>:keys` (field: key
 * id, value: JSON ApiKeyRecord) at start and after every change, then publishes on `<prefix>:keys`
 * so gateways reload at once; gateways also reload by polling.
 */
export function keysHashKey(redisPrefix: string): string {
  return `${redisPrefix}:keys`;
}

export function keysChannel(redisPrefix: string): string {
  return `${redisPrefix}:keys-changed`;
}

export function parseMirroredKeys(hash: Record<string, string>): Map<string, ApiKeyRecord> {
  const records = new Map<string, ApiKeyRecord>();
  for (const [id, json] of Object.entries(hash)) {
    const record = JSON.parse(json) as ApiKeyRecord;
    if (record.id === id) records.set(id, record);
  }
  return records;
}

/** Replaces the mirror with `records` in one transaction, then tells the gateways. */
export async function mirrorKeys(redis: Redis, redisPrefix: string, records: ApiKeyRecord[]): Promise<void> {
  const hash = keysHashKey(redisPrefix);
  const transaction = redis.multi().del(hash);
  if (records.length > 0) transaction.hset(hash, Object.fromEntries(records.map((r) => [r.id, JSON.stringify(r)])));
  await transaction.publish(keysChannel(redisPrefix), String(records.length)).exec();
}
