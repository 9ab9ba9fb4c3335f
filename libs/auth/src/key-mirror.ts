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

/**
 * What can change about a key once it exists, as the registry serves it to gateways
 * (`GET /v1/keys/states`): a second path for revocations and limits that does not depend on Redis.
 */
export interface KeyState {
  id: string;
  revoked: boolean;
  rate_limit_per_second: number | null;
  burst: number | null;
}

/**
 * The mirrored records with the registry's key states laid over them. A revocation from either source
 * holds (keys are never un-revoked); the limits come from whichever source was read last, so a PATCH
 * seen first through one path is not undone by an older copy from the other. Keys the states do not
 * know stay as mirrored; states of keys the mirror does not know are ignored (they carry no hash).
 */
export function withKeyStates(records: Map<string, ApiKeyRecord>, states: readonly KeyState[], statesAreNewer: boolean): Map<string, ApiKeyRecord> {
  const merged = new Map(records);
  for (const state of states) {
    const record = merged.get(state.id);
    if (!record) continue;
    const limits = statesAreNewer ? { rateLimitPerSecond: state.rate_limit_per_second, burst: state.burst } : {};
    merged.set(state.id, { ...record, ...limits, revoked: record.revoked || state.revoked });
  }
  return merged;
}
