import type { Logger } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';

export interface StreamEntry {
  id: string;
  fields: Record<string, string>;
}

export interface StreamConsumerOptions {
  redis: Redis;
  stream: string;
  group: string;
  /** Handles a batch; entries are acknowledged (and deleted) only after it resolves. */
  handle: (entries: StreamEntry[]) => Promise<void>;
  logger: Logger;
  /** Entries read per round. */
  count?: number;
  /** Entries another consumer has held unacknowledged this long are taken over (it died mid-batch). */
  claimIdleMs?: number;
}

const BLOCK_MS = 1_000;
const RETRY_MIN_MS = 200;
const RETRY_MAX_MS = 10_000;

type RawEntries = [id: string, fields: string[]][];

function toEntries(raw: RawEntries): StreamEntry[] {
  return raw
    .filter(([, fields]) => fields !== null)
    .map(([id, fields]) => {
      const record: Record<string, string> = {};
      for (let i = 0; i + 1 < fields.length; i += 2) record[fields[i]] = fields[i + 1];
      return { id, fields: record };
    });
}

/**
 * At-least-once consumption of a Redis stream by a consumer group. A batch is acknowledged and deleted
 * after its handler commits; a consumer killed mid-batch leaves its entries pending, and they are
 * claimed by a live consumer after `claimIdleMs`. The handler must therefore be idempotent. A failed
 * handler is retried with backoff, from this consumer's own pending entries, before anything new.
 */
export class StreamConsumer {
  readonly name = `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
  private running = false;
  private loop?: Promise<void>;
  private readPending = true;
  private lastClaim = 0;
  private groupReady = false;

  constructor(private readonly options: StreamConsumerOptions) {}

  start(): void {
    this.running = true;
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
  }

  private async run(): Promise<void> {
    let delay = RETRY_MIN_MS;
    while (this.running) {
      try {
        await this.ensureGroup();
        const entries = await this.next();
        if (entries.length > 0) {
          await this.options.handle(entries);
          await this.acknowledge(entries);
        }
        delay = RETRY_MIN_MS;
      } catch (error) {
        this.readPending = true;
        // The stream (and its group) was deleted, e.g. by a FLUSHDB: create them again.
        if (String((error as Error).message).includes('NOGROUP')) this.groupReady = false;
        this.options.logger.warn(`${this.options.stream}: ${(error as Error).message}; retrying in ${delay} ms`);
        await new Promise((resolve) => setTimeout(resolve, delay));
        delay = Math.min(delay * 2, RETRY_MAX_MS);
      }
    }
  }

  private async ensureGroup(): Promise<void> {
    if (this.groupReady) return;
    try {
      await this.options.redis.xgroup('CREATE', this.options.stream, this.options.group, '0', 'MKSTREAM');
    } catch (error) {
      if (!String((error as Error).message).includes('BUSYGROUP')) throw error;
    }
    this.groupReady = true;
  }

  /** Own pending entries first (after a failure or a restart), then entries a dead consumer left, then new ones. */
  private async next(): Promise<StreamEntry[]> {
    const { redis, stream, group } = this.options;
    const count = this.options.count ?? 20;
    if (this.readPending) {
      const pending = (await redis.xreadgroup('GROUP', group, this.name, 'COUNT', count, 'STREAMS', stream, '0')) as [string, RawEntries][] | null;
      const entries = toEntries(pending?.[0]?.[1] ?? []);
      if (entries.length > 0) return entries;
      this.readPending = false;
    }
    const claimIdleMs = this.options.claimIdleMs ?? 30_000;
    if (Date.now() - this.lastClaim > claimIdleMs / 2) {
      this.lastClaim = Date.now();
      const [, claimed] = (await redis.xautoclaim(stream, group, this.name, claimIdleMs, '0-0', 'COUNT', count)) as [string, RawEntries];
      const entries = toEntries(claimed);
      if (entries.length > 0) return entries;
    }
    const fresh = (await redis.xreadgroup('GROUP', group, this.name, 'COUNT', count, 'BLOCK', BLOCK_MS, 'STREAMS', stream, '>')) as [string, RawEntries][] | null;
    return toEntries(fresh?.[0]?.[1] ?? []);
  }

  private async acknowledge(entries: StreamEntry[]): Promise<void> {
    const ids = entries.map((entry) => entry.id);
    await this.options.redis.multi().xack(this.options.stream, this.options.group, ...ids).xdel(this.options.stream, ...ids).exec();
  }
}
