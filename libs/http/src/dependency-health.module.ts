import { Controller, Get, Module } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { HealthCheck, HealthCheckService, TerminusModule, TypeOrmHealthIndicator } from '@nestjs/terminus';
import { ArtifactStoreHealthIndicator, RedisHealthIndicator } from './health-indicators';

/** Health of an app that needs Postgres, Redis and the artifact store to do its work (registry, worker). */
@ApiTags('health')
@Controller('health')
export class DependencyHealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly database: TypeOrmHealthIndicator,
    private readonly redis: RedisHealthIndicator,
    private readonly store: ArtifactStoreHealthIndicator,
  ) {}

  /** The process is up and serving HTTP. */
  @Get('live')
  @HealthCheck()
  live() {
    return this.health.check([]);
  }

  /** Postgres, Redis and the artifact store all answer. */
  @Get('ready')
  @HealthCheck()
  ready() {
    return this.health.check([
      () => this.database.pingCheck('postgres', { timeout: 2000 }),
      () => this.redis.isHealthy(),
      () => this.store.isHealthy(),
    ]);
  }
}

@Module({
  imports: [TerminusModule.forRoot({ logger: false })],
  controllers: [DependencyHealthController],
  providers: [RedisHealthIndicator, ArtifactStoreHealthIndicator],
})
export class DependencyHealthModule {}
