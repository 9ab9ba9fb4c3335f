import { type DynamicModule, Module } from '@nestjs/common';
import { SwitchyardConfigModule } from '@switchyard/config';
import { DependencyHealthModule, loggingModule, MetricsModule } from '@switchyard/http';
import { PersistenceModule } from '@switchyard/persistence';
import { QueuesModule, RedisModule } from '@switchyard/queues';
import { StorageModule } from '@switchyard/storage';
import { AliasesModule } from './aliases/aliases.module';
import { ApprovalsModule } from './approvals/approvals.module';
import { AuditModule } from './audit/audit.module';
import { DashboardModule } from './dashboard/dashboard.module';
import { DeploymentsModule } from './deployments/deployments.module';
import { KeysModule } from './keys/keys.module';
import { ModelsModule } from './models/models.module';
import { GuardrailsModule } from './guardrails/guardrails.module';
import { RolloutPlansModule } from './rollout-plans/rollout-plans.module';
import { StatsModule } from './stats/stats.module';
import { TrafficModule } from './traffic/traffic.module';
import { VersionsModule } from './versions/versions.module';
import { WebhooksModule } from './webhooks/webhooks.module';

/** Built per app instance so configuration is read when the app is created. */
@Module({})
export class RegistryModule {
  static forRoot(): DynamicModule {
    return {
      module: RegistryModule,
      imports: [
        SwitchyardConfigModule.forRoot(),
        // Each gateway reads these every few seconds: at info they would bury every other request.
        loggingModule('registry', { routinePolls: ['/v1/deployments', '/v1/keys/states'] }),
        MetricsModule,
        PersistenceModule,
        RedisModule,
        QueuesModule,
        StorageModule,
        DependencyHealthModule,
        ModelsModule,
        VersionsModule,
        ApprovalsModule,
        DeploymentsModule,
        AliasesModule,
        TrafficModule,
        AuditModule,
        StatsModule,
        GuardrailsModule,
        RolloutPlansModule,
        DashboardModule,
        KeysModule,
        WebhooksModule,
      ],
    };
  }
}
