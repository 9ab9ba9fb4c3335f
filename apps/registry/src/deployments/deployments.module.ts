import { Module } from '@nestjs/common';
import { DeploymentChangesService } from './deployment-changes.service';
import { DeploymentPublisher } from './deployment-publisher';
import { DeploymentsController } from './deployments.controller';
import { DeploymentsService } from './deployments.service';

@Module({
  controllers: [DeploymentsController],
  providers: [DeploymentsService, DeploymentChangesService, DeploymentPublisher],
  exports: [DeploymentsService, DeploymentChangesService],
})
export class DeploymentsModule {}
