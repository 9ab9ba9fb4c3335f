import { Module } from '@nestjs/common';
import { DeploymentChangesModule } from '@switchyard/deployment-changes';
import { DeploymentsController } from './deployments.controller';
import { DeploymentsService } from './deployments.service';

@Module({
  imports: [DeploymentChangesModule],
  controllers: [DeploymentsController],
  providers: [DeploymentsService],
  exports: [DeploymentsService, DeploymentChangesModule],
})
export class DeploymentsModule {}
