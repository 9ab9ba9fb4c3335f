import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { DeploymentsModule } from '../deployments/deployments.module';
import { HealthController } from './health.controller';

@Module({ imports: [TerminusModule.forRoot({ logger: false }), DeploymentsModule], controllers: [HealthController] })
export class HealthModule {}
