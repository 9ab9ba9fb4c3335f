import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { DeploymentSyncModule } from '../deployment-sync/deployment-sync.module';
import { HealthController } from './health.controller';

@Module({ imports: [TerminusModule.forRoot({ logger: false }), DeploymentSyncModule], controllers: [HealthController] })
export class HealthModule {}
