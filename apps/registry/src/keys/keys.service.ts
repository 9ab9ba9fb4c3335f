import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { Redis } from 'ioredis';
import { IsNull, Repository } from 'typeorm';
import { type ApiKeyRecord, effectiveRoles, grants, hashSecret, issueKey, type KeyState, mirrorKeys, parseKey, ROLES } from '@switchyard/auth';
import { TypedConfig } from '@switchyard/config';
import { DomainError } from '@switchyard/errors';
import type { KeyLookup, Principal } from '@switchyard/http';
import { ApiKeyEntity } from '@switchyard/persistence';
import { REDIS_CLIENT } from '@switchyard/queues';
import type { CallerKeyResponse, CreatedKeyResponse, CreateKeyDto, KeyResponse, UpdateKeyDto } from './dto/key.dto';

/** The mirror is rewritten this often too, so gateways converge after a Redis outage or a missed write. */
const REMIRROR_INTERVAL_MS = 30_000;

export const BOOTSTRAP_KEY_NAME = 'bootstrap';

export function toRecord(key: ApiKeyEntity): ApiKeyRecord {
  return {
    id: key.id,
    name: key.name,
    salt: key.salt,
    hash: key.hash,
    roles: key.roles,
    models: key.models,
    revoked: key.revokedAt !== null,
    rateLimitPerSecond: key.rateLimitPerSecond,
    burst: key.burst,
  };
}

interface KeyLimit {
  rateLimitPerSecond: number | null;
  burst: number | null;
}

/**
 * The limit a key has after a change: an absent field keeps its value; a null rate removes the limit,
 * a null burst asks for the default. A burst needs a rate; a rate without a burst gets one second of it
 * (at least 1 request).
 */
export function nextLimit(current: KeyLimit, change: Pick<UpdateKeyDto, 'rate_limit_per_second' | 'burst'>): KeyLimit {
  const rate = change.rate_limit_per_second === undefined ? current.rateLimitPerSecond : change.rate_limit_per_second;
  if (rate === null) {
    if (change.burst !== undefined && change.burst !== null) {
      throw new DomainError('VALIDATION_FAILED', 'burst needs a rate: set rate_limit_per_second too (a key without a rate is not limited)', {
        errors: [{ field: 'burst', message: 'needs rate_limit_per_second' }],
      });
    }
    return { rateLimitPerSecond: null, burst: null };
  }
  const oneSecond = Math.max(1, Math.ceil(rate));
  const burst = change.burst === null ? oneSecond : (change.burst ?? current.burst ?? oneSecond);
  return { rateLimitPerSecond: rate, burst };
}

const stateOf = (key: ApiKeyEntity): KeyState => ({ id: key.id, revoked: key.revokedAt !== null, rate_limit_per_second: key.rateLimitPerSecond, burst: key.burst });

function present(key: ApiKeyEntity): KeyResponse {
  return {
    id: key.id,
    name: key.name,
    roles: key.roles,
    models: key.models,
    rate_limit_per_second: key.rateLimitPerSecond,
    burst: key.burst,
    created_at: key.createdAt.toISOString(),
    created_by: key.createdBy,
    revoked_at: key.revokedAt?.toISOString() ?? null,
    revoked_by: key.revokedBy,
  };
}

/**
 * API keys: Postgres is the truth (the registry checks keys there); every change is mirrored to Redis
 * for the gateways, which check keys from memory.
 */
@Injectable()
export class KeysService implements KeyLookup, OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(KeysService.name);
  readonly ready = true;
  private mirroring: Promise<void> = Promise.resolve();
  private timer?: NodeJS.Timeout;

  constructor(
    @InjectRepository(ApiKeyEntity) private readonly keys: Repository<ApiKeyEntity>,
    @Inject(REDIS_CLIENT) private readonly redis: Redis,
    private readonly config: TypedConfig,
  ) {}

  /** The caller's own key and what it amounts to; with auth off, no key and every role. */
  describeCaller(principal: Principal | null): CallerKeyResponse {
    if (!principal) return { auth_enabled: this.config.get('AUTH_ENABLED'), id: null, name: null, roles: [], effective_roles: [...ROLES], models: null };
    return { auth_enabled: true, id: principal.id, name: principal.name, roles: principal.roles, effective_roles: effectiveRoles(principal.roles), models: principal.models };
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.ensureBootstrapKey();
    await this.mirror();
    // A Redis that comes back may have lost the mirror (no persistence): rewrite it at once.
    this.redis.on('ready', this.onRedisReady);
    this.timer = setInterval(() => void this.mirror(), REMIRROR_INTERVAL_MS);
    this.timer.unref();
  }

  private readonly onRedisReady = () => void this.mirror();

  onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    this.redis.off('ready', this.onRedisReady);
    return this.mirroring;
  }

  async find(id: string): Promise<ApiKeyRecord | undefined> {
    const key = await this.keys.findOneBy({ id });
    return key ? toRecord(key) : undefined;
  }

  async create(dto: CreateKeyDto, actor: string): Promise<CreatedKeyResponse> {
    if (dto.models && grants(dto.roles, 'admin')) {
      throw new DomainError('VALIDATION_FAILED', 'an admin key cannot be limited to models: it manages keys for every model', {
        errors: [{ field: 'models', message: 'not allowed with the admin role' }],
      });
    }
    const limit = nextLimit({ rateLimitPerSecond: null, burst: null }, dto);
    const issued = issueKey();
    const saved = await this.keys.save(
      this.keys.create({ id: issued.id, name: dto.name, salt: issued.salt, hash: issued.hash, roles: dto.roles, models: dto.models ?? null, ...limit, createdBy: actor }),
    );
    await this.mirror();
    return { ...present(saved), key: issued.key };
  }

  async list(): Promise<KeyResponse[]> {
    return (await this.keys.find({ order: { createdAt: 'DESC', id: 'ASC' } })).map(present);
  }

  /** Changes a key's rate limit; the gateways apply it within the same bound as a revocation. */
  async update(id: string, dto: UpdateKeyDto, actor: string): Promise<KeyResponse> {
    if (dto.rate_limit_per_second === undefined && dto.burst === undefined) {
      throw new DomainError('VALIDATION_FAILED', 'nothing to change: send rate_limit_per_second and/or burst (null removes the limit)', {
        errors: [{ field: 'rate_limit_per_second', message: 'send rate_limit_per_second and/or burst' }],
      });
    }
    const updated = await this.keys.manager.transaction(async (manager) => {
      const key = await manager.findOne(ApiKeyEntity, { where: { id }, lock: { mode: 'pessimistic_write' } });
      if (!key) throw new DomainError('KEY_NOT_FOUND', `no API key with id "${id}"; GET /v1/keys lists them`);
      Object.assign(key, nextLimit(key, dto));
      return manager.save(key);
    });
    this.logger.log({ key: id, actor, rate_limit_per_second: updated.rateLimitPerSecond, burst: updated.burst }, 'API key limit changed');
    await this.mirror();
    return present(updated);
  }

  /** What gateways need to learn without Redis: revocations and limits of every key (no names, salts or hashes). */
  async states(): Promise<KeyState[]> {
    return (await this.keys.find({ order: { id: 'ASC' } })).map(stateOf);
  }

  /** Idempotent; refuses to revoke the last active admin key, which would lock every admin out. */
  async revoke(id: string, actor: string): Promise<void> {
    const changed = await this.keys.manager.transaction(async (manager) => {
      const active = await manager.find(ApiKeyEntity, { where: { revokedAt: IsNull() }, lock: { mode: 'pessimistic_write' } });
      const key = active.find((k) => k.id === id) ?? (await manager.findOneBy(ApiKeyEntity, { id }));
      if (!key) throw new DomainError('KEY_NOT_FOUND', `no API key with id "${id}"; GET /v1/keys lists them`);
      if (key.revokedAt) return false;
      const admins = active.filter((k) => grants(k.roles, 'admin'));
      if (grants(key.roles, 'admin') && admins.length === 1) {
        throw new DomainError('LAST_ADMIN_KEY', 'this is the last active admin key: create another admin key before revoking it');
      }
      await manager.update(ApiKeyEntity, { id }, { revokedAt: new Date(), revokedBy: actor });
      return true;
    });
    if (changed) await this.mirror();
  }

  /**
   * SWITCHYARD_BOOTSTRAP_ADMIN_KEY becomes an admin key named "bootstrap" unless a key with its id
   * exists: a revoked bootstrap key stays revoked, whatever the environment says at the next start.
   */
  private async ensureBootstrapKey(): Promise<void> {
    const key = this.config.get('SWITCHYARD_BOOTSTRAP_ADMIN_KEY');
    if (!key) return;
    const { id, secret } = parseKey(key)!;
    const existing = await this.keys.findOneBy({ id });
    if (existing) {
      if (existing.revokedAt) this.logger.warn(`the bootstrap admin key ${id} was revoked; SWITCHYARD_BOOTSTRAP_ADMIN_KEY is ignored`);
      return;
    }
    const salt = issueKey().salt;
    await this.keys
      .createQueryBuilder()
      .insert()
      .values({ id, name: BOOTSTRAP_KEY_NAME, salt, hash: hashSecret(salt, secret), roles: ['admin'], models: null, createdBy: 'SWITCHYARD_BOOTSTRAP_ADMIN_KEY' })
      .orIgnore()
      .execute();
    this.logger.log(`bootstrap admin key ${id} created from SWITCHYARD_BOOTSTRAP_ADMIN_KEY`);
  }

  /**
   * Rewrites the Redis mirror from Postgres, one rewrite at a time so an older snapshot never lands
   * after a newer one. A failure is logged, not thrown: the change is committed, and the periodic
   * rewrite delivers it once Redis answers.
   */
  private mirror(): Promise<void> {
    this.mirroring = this.mirroring.then(async () => {
      try {
        const records = (await this.keys.find({ order: { id: 'ASC' } })).map(toRecord);
        await mirrorKeys(this.redis, this.config.get('REDIS_PREFIX'), records);
      } catch (error) {
        this.logger.warn({ err: error instanceof Error ? error.message : error }, 'could not mirror API keys to Redis; retrying later');
      }
    });
    return this.mirroring;
  }
}
