import { Module } from '@nestjs/common';
import { DeploymentsModule } from '../deployments/deployments.module';
import { ModelsModule } from '../models/models.module';
import { RolloutPlansController } from './rollout-plans.controller';
import { RolloutPlansService } from './rollout-plans.service';

@Module({ imports: [ModelsModule, DeploymentsModule], controllers: [RolloutPlansController], providers: [RolloutPlansService] })
export class RolloutPlansModule {}
