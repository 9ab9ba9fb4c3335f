import { type DynamicModule, Module } from '@nestjs/common';
import { SwitchyardConfigModule } from '@switchyard/config';
import { DependencyHealthModule, loggingModule, MetricsModule } from '@switchyard/http';
import { PersistenceModule } from '@switchyard/persistence';
import { QueuesModule, RedisModule } from '@switchyard/queues';
import { StorageModule } from '@switchyard/storage';
import { ArtifactValidationModule } from './artifact-validation/artifact-validation.module';
import { GuardrailsModule } from './guardrails/guardrails.module';
import { PredictionLogModule } from './prediction-log/prediction-log.module';
import { RolloutPlansModule } from './rollout-plans/rollout-plans.module';
import { WebhooksModule } from './webhooks/webhooks.module';

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
        RolloutPlansModule,
        WebhooksModule,
      ],
    };
  }
}
