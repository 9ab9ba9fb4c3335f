import { Module } from '@nestjs/common';
import { DeploymentChangesModule } from '@switchyard/deployment-changes';
import { RolloutPlanRunner } from './rollout-plan-runner.service';

@Module({ imports: [DeploymentChangesModule], providers: [RolloutPlanRunner], exports: [RolloutPlanRunner] })
export class RolloutPlansModule {}
