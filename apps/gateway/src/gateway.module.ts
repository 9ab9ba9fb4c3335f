import { type DynamicModule, Module } from '@nestjs/common';
import { SwitchyardConfigModule } from '../../../libs/config/src';
import { loggingModule, MetricsModule } from '../../../libs/http/src';
import { RedisModule } from '../../../libs/queues/src';
import { DeploymentsModule } from './deployments/deployments.module';
import { HealthModule } from './health/health.module';
import { KeysModule } from './keys/keys.module';
import { OipModule } from './oip/oip.module';
import { PredictModule } from './predict/predict.module';

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
        RedisModule,
        KeysModule,
        DeploymentsModule,
        HealthModule,
        PredictModule,
        OipModule,
      ],
    };
  }
}
