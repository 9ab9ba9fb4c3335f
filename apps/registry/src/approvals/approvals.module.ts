import { Module } from '@nestjs/common';
import { ModelsModule } from '../models/models.module';
import { ApprovalsController } from './approvals.controller';
import { ApprovalsService } from './approvals.service';

/** The review before production: approve or reject a version (the gate itself is in DeploymentChangesService). */
@Module({ imports: [ModelsModule], controllers: [ApprovalsController], providers: [ApprovalsService] })
export class ApprovalsModule {}
