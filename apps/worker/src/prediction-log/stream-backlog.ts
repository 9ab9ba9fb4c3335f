import type { Redis } from 'ioredis';

/** What waits on one of the prediction log's streams for the worker. */
export interface StreamBacklog {
  /** Entries not yet written to PostgreSQL (a prediction entry holds up to 500 events). */
  entries: number;
  /** Age of the oldest of them by Redis's clock, 0 when none waits. */
  oldestSeconds: number;
}

/**
 * Reads a stream's backlog in one round trip. The worker deletes each entry once its batch is
 * committed and acknowledged (StreamConsumer), so the stream's length is exactly what is unread or
 * being written, and its first entry is the oldest of them; an entry id starts with the Redis
 * server's milliseconds when it was added, compared here with the same server's TIME.
 */
export async function readStreamBacklog(redis: Redis, stream: string): Promise<StreamBacklog> {
  const results = await redis.multi().xlen(stream).xrange(stream, '-', '+', 'COUNT', 1).time().exec();
  const failed = results?.find(([error]) => error);
  if (!results || failed) throw failed?.[0] ?? new Error('transaction discarded');
  const entries = results[0][1] as number;
  const first = results[1][1] as Array<[string, string[]]>;
  const [seconds, micros] = results[2][1] as [string, string];
  if (entries === 0 || first.length === 0) return { entries: 0, oldestSeconds: 0 };
  const addedMs = Number(first[0][0].split('-')[0]);
  const nowMs = Number(seconds) * 1_000 + Number(micros) / 1_000;
  return { entries, oldestSeconds: Math.max(0, (nowMs - addedMs) / 1_000) };
}
