import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { chmod, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import {
  type ApiKeyRecord,
  countReplicas,
  gatewayReplicasKey,
  type KeyState,
  keysChannel,
  keysHashKey,
  parseMirroredKeys,
  rateLimitOf,
  replicaShare,
  withKeyStates,
} from '@switchyard/auth';
import { TypedConfig } from '@switchyard/config';
import type { KeyLookup } from '@switchyard/http';
import { REDIS_CLIENT } from '@switchyard/queues';
import { RegistryClient } from '../registry-client/registry-client.service';

const SNAPSHOT_FILE = 'keys.json';

/**
 * The gateway checks keys from memory, never with a round trip per request. Records (salts and hashes,
 * never secrets) come from the registry's Redis mirror: at start, on every notice, and every
 * KEY_REFRESH_MS. While Redis is down the last good copy stays in force; it is also kept on disk in
 * GATEWAY_CACHE_DIR so a restart during an outage still knows its keys. Revocations and rate limits
 * also come straight from the registry (GET /v1/keys/states) every KEY_REFRESH_MS, so they reach the
 * gateway while Redis is down; keys created during an outage wait for Redis (their hashes travel only
 * through the mirror), which fails closed.
 *
 * A key's rate limit is the fleet's: every KEY_REFRESH_MS this replica beats in Redis, counts the
 * replicas that beat lately, and holds each key to its share (libs/auth/src/replica-share.ts). While
 * Redis is down the last count stays.
 */
@Injectable()
export class KeyCache implements KeyLookup, OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(KeyCache.name);
  private readonly subscriber: Redis;
  private readonly prefix: string;
  private readonly snapshotFile: string;
  /** What the mirror (or its disk copy) holds; `records` is it with the registry's key states laid over. */
  private mirrored: Map<string, ApiKeyRecord> | null = null;
  private states: KeyState[] = [];
  private statesAreNewer = false;
  private readingStates = false;
  /** This process's name in the heartbeat hash: unique per run, so a restarted replica is a new one. */
  private readonly replica = randomUUID();
  private replicas = 1;
  private beating = false;
  private records: Map<string, ApiKeyRecord> | null = null;
  private lastSnapshot = '';
  private timer?: NodeJS.Timeout;
  private loading: Promise<boolean> | null = null;
  private again: Promise<boolean> | null = null;

  constructor(
    private readonly config: TypedConfig,
    private readonly registry: RegistryClient,
    @Inject(REDIS_CLIENT) private readonly redis: Redis,
  ) {
    this.prefix = config.get('REDIS_PREFIX');
    this.snapshotFile = path.join(config.get('GATEWAY_CACHE_DIR'), SNAPSHOT_FILE);
    this.subscriber = new Redis(config.get('REDIS_URL'), { lazyConnect: true, maxRetriesPerRequest: null });
  }

  get ready(): boolean {
    return this.records !== null;
  }

  find(id: string): ApiKeyRecord | undefined {
    return this.records?.get(id);
  }

  async onApplicationBootstrap(): Promise<void> {
    if (!this.config.get('AUTH_ENABLED')) return;
    this.subscriber.on('message', () => void this.reload());
    // Notices sent while disconnected are lost: read the whole mirror again after a reconnect.
    this.subscriber.on('ready', () => void this.reload());
    this.subscriber.on('error', (error) => this.logger.debug({ err: error }, 'redis subscriber error'));
    void this.subscriber.subscribe(keysChannel(this.prefix)).catch(() => undefined);
    void this.subscriber.connect().catch(() => undefined);
    this.timer = setInterval(() => void Promise.all([this.reload(), this.readStates(), this.beat()]), this.config.get('KEY_REFRESH_MS'));
    this.timer.unref();
    // Not awaited: a registry that is down must not hold up the start (the snapshot and mirror do not need it).
    void this.readStates();
    void this.beat();
    if (!(await this.reload())) await this.restoreSnapshot();
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    this.subscriber.disconnect();
    if (!this.config.get('AUTH_ENABLED')) return;
    // Leaving at once gives the other replicas their larger shares now rather than after the TTL.
    const leave = this.redis.hdel(gatewayReplicasKey(this.prefix), this.replica).catch(() => undefined);
    await Promise.race([leave, new Promise((resolve) => setTimeout(resolve, 500).unref())]);
  }

  /** Replicas this one counts, itself included (for its share of each key's rate limit). */
  get replicaCount(): number {
    return this.replicas;
  }

  /**
   * Beats and counts the replicas in one pipeline; forgets replicas silent for three refreshes (at least
   * 10 s), so a replica that died stops shrinking the others' shares soon after.
   */
  private async beat(): Promise<void> {
    if (this.beating) return;
    this.beating = true;
    try {
      const key = gatewayReplicasKey(this.prefix);
      const now = Date.now();
      const results = await this.redis.pipeline().hset(key, this.replica, String(now)).hgetall(key).exec();
      const [error, beats] = results?.[1] ?? [new Error('no reply')];
      if (error) throw error;
      const { count, stale } = countReplicas(beats as Record<string, string>, this.replica, now, Math.max(10_000, 3 * this.config.get('KEY_REFRESH_MS')));
      if (stale.length > 0) await this.redis.hdel(key, ...stale);
      if (count !== this.replicas) {
        this.logger.log({ replicas: count }, 'gateway replicas changed; each key with a rate limit gets its share of it here');
        this.replicas = count;
        this.merge();
      }
    } catch (error) {
      this.logger.debug({ err: error instanceof Error ? error.message : error }, 'could not count gateway replicas; keeping the last count');
    } finally {
      this.beating = false;
    }
  }

  /**
   * Reads the mirror; false (keeping what it had) when Redis cannot be read. One read at a time; a
   * notice that arrives during a read gets a read of its own after it, or its change could be missed.
   */
  reload(): Promise<boolean> {
    if (this.loading) {
      this.again ??= this.loading.then(() => {
        this.again = null;
        return this.reload();
      });
      return this.again;
    }
    this.loading = this.read().finally(() => (this.loading = null));
    return this.loading;
  }

  private async read(): Promise<boolean> {
    let hash: Record<string, string>;
    try {
      hash = await this.redis.hgetall(keysHashKey(this.prefix));
    } catch (error) {
      this.logger.debug({ err: error instanceof Error ? error.message : error }, 'could not read API keys; keeping the last copy');
      return false;
    }
    // Keys are revoked, never deleted, so the registry's mirror is never empty once it exists. An empty
    // answer means Redis lost it (restarted without persistence) and the registry has not rewritten it
    // yet: the last copy is better than refusing every caller.
    if (Object.keys(hash).length === 0) return false;
    this.mirrored = parseMirroredKeys(hash);
    this.statesAreNewer = false;
    this.merge();
    await this.saveSnapshot(hash);
    return true;
  }

  /**
   * Reads every key's revocation and limit from the registry: the path that does not need Redis. A
   * failure keeps the last states (a revocation, once seen, stays in force). One read at a time, so an
   * older answer never lands after a newer one.
   */
  private async readStates(): Promise<void> {
    if (this.readingStates) return;
    this.readingStates = true;
    try {
      this.states = await this.registry.keyStates();
    } catch (error) {
      this.logger.debug({ err: error instanceof Error ? error.message : error }, 'could not read key states from the registry; keeping the last');
      return;
    } finally {
      this.readingStates = false;
    }
    this.statesAreNewer = true;
    this.merge();
  }

  private merge(): void {
    if (!this.mirrored) return;
    const merged = withKeyStates(this.mirrored, this.states, this.statesAreNewer);
    if (this.replicas > 1) {
      for (const [id, record] of merged) {
        const limit = rateLimitOf(record);
        if (!limit) continue;
        const share = replicaShare(limit, this.replicas);
        merged.set(id, { ...record, rateLimitPerSecond: share.ratePerSecond, burst: share.burst });
      }
    }
    this.records = merged;
  }

  private async restoreSnapshot(): Promise<void> {
    try {
      const hash = JSON.parse(await readFile(this.snapshotFile, 'utf8')) as Record<string, string>;
      this.mirrored ??= parseMirroredKeys(hash);
      this.merge();
      this.logger.warn({ keys: this.mirrored.size }, 'Redis unreachable at start; checking API keys against the last copy on disk');
    } catch {
      this.logger.warn('Redis unreachable at start and no API keys on disk; keyed requests get 503 until Redis answers');
    }
  }

  /** Written only when the mirror changed; owner-only, though it holds no secret (salts and hashes). */
  private async saveSnapshot(hash: Record<string, string>): Promise<void> {
    const text = JSON.stringify(hash);
    if (text === this.lastSnapshot) return;
    try {
      await mkdir(path.dirname(this.snapshotFile), { recursive: true });
      const partial = `${this.snapshotFile}.${randomUUID()}.partial`;
      await writeFile(partial, text, { mode: 0o600 });
      await chmod(partial, 0o600);
      await rename(partial, this.snapshotFile);
      this.lastSnapshot = text;
    } catch (error) {
      this.logger.warn({ err: error instanceof Error ? error.message : error }, 'could not save API keys to disk');
    }
  }
}
