import { type DynamicModule, Module } from '@nestjs/common';
import { SwitchyardConfigModule } from '../../../libs/config/src';
import { DependencyHealthModule, loggingModule, MetricsModule } from '../../../libs/http/src';
import { PersistenceModule } from '../../../libs/persistence/src';
import { QueuesModule, RedisModule } from '../../../libs/queues/src';
import { StorageModule } from '../../../libs/storage/src';
import { ArtifactValidationModule } from './artifact-validation/artifact-validation.module';
import { GuardrailsModule } from './guardrails/guardrails.module';
import { PredictionLogModule } from './prediction-log/prediction-log.module';

/** Built per app instance so configuration is read when the app is created. */
@Module({})
export class WorkerModule {
  static forRoot(): DynamicModule {
    return {
      module: WorkerModule,
      imports: [
        SwitchyardConfigModule.forRoot(),
        loggingModule('worker'),
        MetricsModule,
        PersistenceModule,
        RedisModule,
        QueuesModule,
        StorageModule,
        DependencyHealthModule,
        ArtifactValidationModule,
        PredictionLogModule,
        GuardrailsModule,
      ],
    };
  }
}
