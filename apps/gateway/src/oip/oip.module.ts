import { Module } from '@nestjs/common';
import { DeploymentSyncModule } from '../deployment-sync/deployment-sync.module';
import { InferenceModule } from '../inference/inference.module';
import { OipController } from './oip.controller';
import { OipService } from './oip.service';

@Module({ imports: [DeploymentSyncModule, InferenceModule], controllers: [OipController], providers: [OipService], exports: [OipService] })
export class OipModule {}
