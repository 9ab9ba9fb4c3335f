import { Module } from '@nestjs/common';
import { DeploymentsModule } from '../deployments/deployments.module';
import { ModelsModule } from '../models/models.module';
import { StatsController } from './stats.controller';
import { StatsService } from './stats.service';

@Module({ imports: [ModelsModule, DeploymentsModule], controllers: [StatsController], providers: [StatsService] })
export class StatsModule {}
