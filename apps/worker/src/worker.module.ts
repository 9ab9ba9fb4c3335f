import { Module } from '@nestjs/common';
import { SwitchyardConfigModule } from '../../../libs/config/src';
import { loggingModule, MetricsModule } from '../../../libs/http/src';
import { PersistenceModule } from '../../../libs/persistence/src';
import { RedisModule } from '../../../libs/queues/src';
import { StorageModule } from '../../../libs/storage/src';
import { HealthModule } from './health/health.module';

@Module({
  imports: [SwitchyardConfigModule, loggingModule('worker'), MetricsModule, PersistenceModule, RedisModule, StorageModule, HealthModule],
})
export class WorkerModule {}
