import { Inject, Injectable } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import type { Redis } from 'ioredis';
import { ARTIFACT_STORE, type ArtifactStore } from '@switchyard/storage';
import { REDIS_CLIENT } from '@switchyard/queues';

function reason(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

@Injectable()
export class RedisHealthIndicator {
  constructor(
    private readonly indicators: HealthIndicatorService,
    @Inject(REDIS_CLIENT) private readonly redis: Redis,
  ) {}

  async isHealthy(key = 'redis') {
    const check = this.indicators.check(key);
    try {
      await this.redis.ping();
      return check.up();
    } catch (error) {
      return check.down({ message: reason(error) });
    }
  }
}

@Injectable()
export class ArtifactStoreHealthIndicator {
  constructor(
    private readonly indicators: HealthIndicatorService,
    @Inject(ARTIFACT_STORE) private readonly store: ArtifactStore,
  ) {}

  async isHealthy(key = 'artifact_store') {
    const check = this.indicators.check(key);
    try {
      await this.store.check();
      return check.up({ kind: this.store.kind });
    } catch (error) {
      return check.down({ kind: this.store.kind, message: reason(error) });
    }
  }
}
