import { Module } from '@nestjs/common';
import { SwitchyardConfigModule } from '../../../libs/config/src';
import { loggingModule, MetricsModule } from '../../../libs/http/src';
import { HealthModule } from './health/health.module';

@Module({ imports: [SwitchyardConfigModule, loggingModule('gateway'), MetricsModule, HealthModule] })
export class GatewayModule {}
