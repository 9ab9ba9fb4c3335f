import type { RateLimit } from './token-bucket';

/**
 * A key's rate limit holds across the gateway fleet without a round trip per request: each replica
 * counts the replicas alive (a heartbeat each in the Redis hash `<prefix>:gateway-replicas`, field:
 * replica, value: epoch ms of its last beat) and enforces its share of every limit.
 */
export function gatewayReplicasKey(redisPrefix: string): string {
  return `${redisPrefix}:gateway-replicas`;
}

/** Replicas whose last beat is within `ttlMs` (this one counts even before its first beat lands), and the stale ones to forget. */
export function countReplicas(beats: Record<string, string>, self: string, now: number, ttlMs: number): { count: number; stale: string[] } {
  const fresh = new Set([self]);
  const stale: string[] = [];
  for (const [replica, at] of Object.entries(beats)) {
    if (now - Number(at) <= ttlMs) fresh.add(replica);
    else stale.push(replica);
  }
  return { count: fresh.size, stale };
}

/**
 * One replica's share of a key's limit: the rate divided evenly; the burst too, but never below one
 * request (so with more replicas than burst the fleet's burst is the replica count).
 */
export function replicaShare(limit: RateLimit, replicas: number): RateLimit {
  if (replicas <= 1) return limit;
  return { ratePerSecond: limit.ratePerSecond / replicas, burst: Math.max(1, Math.ceil(limit.burst / replicas)) };
}
