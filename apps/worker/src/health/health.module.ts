import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { ArtifactStoreHealthIndicator, RedisHealthIndicator } from '../../../../libs/http/src';
import { HealthController } from './health.controller';

@Module({
  imports: [TerminusModule.forRoot({ logger: false })],
  controllers: [HealthController],
  providers: [RedisHealthIndicator, ArtifactStoreHealthIndicator],
})
export class HealthModule {}
