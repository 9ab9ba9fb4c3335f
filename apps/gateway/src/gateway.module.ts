import { type DynamicModule, Module } from '@nestjs/common';
import { SwitchyardConfigModule } from '../../../libs/config/src';
import { loggingModule, MetricsModule } from '../../../libs/http/src';
import { HealthModule } from './health/health.module';

/** Built per app instance so configuration is read when the app is created. */
@Module({})
export class GatewayModule {
  static forRoot(): DynamicModule {
    return {
      module: GatewayModule,
      imports: [
        SwitchyardConfigModule.forRoot(),
        loggingModule('gateway'),
        MetricsModule,
        HealthModule,
      ],
    };
  }
}
