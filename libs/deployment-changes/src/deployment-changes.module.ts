import { Module } from '@nestjs/common';
import { EventsModule } from '@switchyard/events';
import { DeploymentChangesService } from './deployment-changes.service';
import { DeploymentPublisher } from './deployment-publisher';

/** Changes to a model's deployment (aliases, traffic, settings the gateways read), for the registry and the worker's guardrails. */
@Module({ imports: [EventsModule], providers: [DeploymentChangesService, DeploymentPublisher], exports: [DeploymentChangesService] })
export class DeploymentChangesModule {}
