import { Logger } from '@nestjs/common';
import { Redis } from 'ioredis';
import { randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as net from 'node:net';
import * as path from 'node:path';
import { type ApiKeyRecord, gatewayReplicasKey, type KeyState, keysChannel, keysHashKey, mirrorKeys } from '@switchyard/auth';
import type { Env } from '@switchyard/config';
import { RegistryClient } from '../registry-client/registry-client.service';
import { KeyCache } from './key-cache.service';
import { configOf, waitFor } from '../../../../test/support/unit';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379/0';
const REGISTRY_URL = 'http://registry.invalid';

/**
 * A Redis that accepts connections and never answers, for the notice subscription while Redis is down
 * (a refused connection would leave ioredis a socket timer behind after disconnect).
 */
async function silentRedis(): Promise<{ url: string; close: () => Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  return {
    url: `redis://127.0.0.1:${port}`,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/** The few ioredis calls KeyCache makes, all failing as they do while Redis is down. */
function unreachableRedis(): Redis {
  const down = () => Promise.reject(new Error('connect ECONNREFUSED 127.0.0.1:6379'));
  const pipeline = { hset: () => pipeline, hgetall: () => pipeline, exec: down };
  return { hgetall: down, hdel: down, pipeline: () => pipeline } as unknown as Redis;
}

function keyRecord(id: string, extra: Partial<ApiKeyRecord> = {}): ApiKeyRecord {
  return { id, name: id, salt: `salt-${id}`, hash: `hash-${id}`, roles: ['predict'], models: null, revoked: false, rateLimitPerSecond: null, burst: null, ...extra };
}

const ALICE = 'aaaaaaaaaaaa';
const BOB = 'bbbbbbbbbbbb';

describe('KeyCache', () => {
  let redis: Redis;
  let prefix: string;
  let cacheDir: string;
  /** What the registry answers on GET /v1/keys/states; null while it is down. */
  let registryStates: KeyState[] | null;
  const caches: KeyCache[] = [];
  let unreachable: Awaited<ReturnType<typeof silentRedis>>;

  beforeAll(() => Logger.overrideLogger(false));

  beforeEach(async () => {
    redis = new Redis(REDIS_URL);
    prefix = `${process.env.REDIS_PREFIX ?? 'sy'}-keys-${randomUUID().slice(0, 8)}`;
    cacheDir = await mkdtemp(path.join(tmpdir(), 'key-cache-'));
    unreachable = await silentRedis();
    registryStates = [];
    jest.spyOn(globalThis, 'fetch').mockImplementation(async (input) => {
      if (new URL(String(input)).pathname !== '/v1/keys/states' || registryStates === null) throw new TypeError('fetch failed');
      return Response.json({ items: registryStates });
    });
  });

  afterEach(async () => {
    for (const cache of caches.splice(0)) await cache.onApplicationShutdown();
    await unreachable.close();
    jest.restoreAllMocks();
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
    await rm(cacheDir, { recursive: true, force: true });
  });

  function keyCache(overrides: Partial<Env> = {}, client: Redis = redis): KeyCache {
    const config = configOf({ AUTH_ENABLED: true, REDIS_URL, REDIS_PREFIX: prefix, GATEWAY_CACHE_DIR: cacheDir, REGISTRY_URL, KEY_REFRESH_MS: 3_600_000, ...overrides });
    const cache = new KeyCache(config, new RegistryClient(config), client);
    caches.push(cache);
    return cache;
  }

  async function shutDown(cache: KeyCache): Promise<void> {
    caches.splice(caches.indexOf(cache), 1);
    await cache.onApplicationShutdown();
  }

  it('checks keys against the mirror it loaded at start, and keeps an owner-only copy on disk', async () => {
    await mirrorKeys(redis, prefix, [keyRecord(ALICE), keyRecord(BOB, { models: ['m'] })]);
    const cache = keyCache();
    expect(cache.ready).toBe(false);

    await cache.onApplicationBootstrap();

    expect(cache.ready).toBe(true);
    expect(cache.find(ALICE)).toEqual(keyRecord(ALICE));
    expect(cache.find(BOB)?.models).toEqual(['m']);
    expect(cache.find('cccccccccccc')).toBeUndefined();
    const file = path.join(cacheDir, 'keys.json');
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect(Object.keys(JSON.parse(await readFile(file, 'utf8')) as object).sort()).toEqual([ALICE, BOB]);
  });

  it('learns new keys and revocations from a notice', async () => {
    await mirrorKeys(redis, prefix, [keyRecord(ALICE)]);
    const cache = keyCache();
    await cache.onApplicationBootstrap();
    await waitFor(async () => ((await redis.pubsub('NUMSUB', keysChannel(prefix))) as [string, number])[1] > 0, 'the cache subscribes');

    await mirrorKeys(redis, prefix, [keyRecord(ALICE, { revoked: true }), keyRecord(BOB)]);

    await waitFor(() => cache.find(BOB) !== undefined, 'the new key is known');
    await waitFor(() => cache.find(ALICE)?.revoked === true, 'the revocation is known');
  });

  it("refuses a key the registry revoked though the mirror has not caught up, and keeps refusing it after the mirror's next read", async () => {
    await mirrorKeys(redis, prefix, [keyRecord(ALICE), keyRecord(BOB)]);
    registryStates = [{ id: ALICE, revoked: true, rate_limit_per_second: null, burst: null }];
    const cache = keyCache();

    await cache.onApplicationBootstrap();
    await waitFor(() => cache.find(ALICE)?.revoked === true, 'the registry revocation applies');

    expect(await cache.reload()).toBe(true);
    expect(cache.find(ALICE)?.revoked).toBe(true);
    expect(cache.find(BOB)?.revoked).toBe(false);
  });

  it("applies a key's changed rate limit from the registry, and the mirror's when the mirror is read later", async () => {
    await mirrorKeys(redis, prefix, [keyRecord(ALICE, { rateLimitPerSecond: 10, burst: 20 })]);
    registryStates = [{ id: ALICE, revoked: false, rate_limit_per_second: 40, burst: 40 }];
    const cache = keyCache({ KEY_REFRESH_MS: 50 });

    await cache.onApplicationBootstrap();
    await waitFor(() => cache.find(ALICE)?.rateLimitPerSecond === 40, 'the registry limit applies');
    expect(cache.find(ALICE)?.burst).toBe(40);

    registryStates = null;
    await mirrorKeys(redis, prefix, [keyRecord(ALICE, { rateLimitPerSecond: 5, burst: 5 })]);
    await waitFor(() => cache.find(ALICE)?.rateLimitPerSecond === 5, 'the mirror limit applies');
  });

  it("holds each key to this replica's share of its limit, and forgets replicas that stopped beating", async () => {
    await mirrorKeys(redis, prefix, [keyRecord(ALICE, { rateLimitPerSecond: 10, burst: 20 }), keyRecord(BOB)]);
    const replicas = gatewayReplicasKey(prefix);
    await redis.hset(replicas, 'live-replica', String(Date.now()), 'dead-replica', '0');
    const cache = keyCache();

    await cache.onApplicationBootstrap();
    await waitFor(() => cache.replicaCount === 2, 'two replicas are counted');

    expect(cache.find(ALICE)).toMatchObject({ rateLimitPerSecond: 5, burst: 10 });
    expect(cache.find(BOB)).toMatchObject({ rateLimitPerSecond: null, burst: null });
    expect(await redis.hexists(replicas, 'dead-replica')).toBe(0);
    expect(await redis.hlen(replicas)).toBe(2);
  });

  it('leaves the replica count at shutdown, so the others get their larger shares at once', async () => {
    await mirrorKeys(redis, prefix, [keyRecord(ALICE)]);
    const cache = keyCache();
    await cache.onApplicationBootstrap();
    await waitFor(async () => (await redis.hlen(gatewayReplicasKey(prefix))) === 1, 'the replica beats');

    await shutDown(cache);

    expect(await redis.hlen(gatewayReplicasKey(prefix))).toBe(0);
  });

  it('restores the disk copy when Redis is down at start', async () => {
    await mirrorKeys(redis, prefix, [keyRecord(ALICE)]);
    const before = keyCache();
    await before.onApplicationBootstrap();
    await shutDown(before);

    registryStates = null;
    const cache = keyCache({ REDIS_URL: unreachable.url }, unreachableRedis());
    await cache.onApplicationBootstrap();

    expect(cache.ready).toBe(true);
    expect(cache.find(ALICE)).toEqual(keyRecord(ALICE));
  });

  it('takes revocations from the registry while Redis is down', async () => {
    await mirrorKeys(redis, prefix, [keyRecord(ALICE)]);
    const before = keyCache();
    await before.onApplicationBootstrap();
    await shutDown(before);

    registryStates = [{ id: ALICE, revoked: true, rate_limit_per_second: null, burst: null }];
    const cache = keyCache({ REDIS_URL: unreachable.url }, unreachableRedis());
    await cache.onApplicationBootstrap();

    await waitFor(() => cache.find(ALICE)?.revoked === true, 'the revocation applies');
  });

  it('fails closed when Redis is down at start and there is no disk copy', async () => {
    const cache = keyCache({ REDIS_URL: unreachable.url }, unreachableRedis());

    await cache.onApplicationBootstrap();

    expect(cache.ready).toBe(false);
    expect(cache.find(ALICE)).toBeUndefined();
  });

  it('keeps the last copy when Redis loses the mirror', async () => {
    await mirrorKeys(redis, prefix, [keyRecord(ALICE)]);
    const cache = keyCache();
    await cache.onApplicationBootstrap();

    await redis.del(keysHashKey(prefix));
    expect(await cache.reload()).toBe(false);
    expect(cache.find(ALICE)).toEqual(keyRecord(ALICE));
  });

  it('does nothing when auth is off', async () => {
    await mirrorKeys(redis, prefix, [keyRecord(ALICE)]);
    const cache = keyCache({ AUTH_ENABLED: false });

    await cache.onApplicationBootstrap();

    expect(cache.ready).toBe(false);
    expect(await redis.exists(gatewayReplicasKey(prefix))).toBe(0);
  });
});
