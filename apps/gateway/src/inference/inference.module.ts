import { Module } from '@nestjs/common';
import { DeploymentSyncModule } from '../deployment-sync/deployment-sync.module';
import { PredictionLogModule } from '../prediction-log/prediction-log.module';
import { RegistryClientModule } from '../registry-client/registry-client.module';
import { ShadowModule } from '../shadow/shadow.module';
import { DataPlane } from './data-plane.service';
import { InferenceService } from './inference.service';

/** The data plane every protocol module serves through (see DataPlane). */
@Module({ imports: [DeploymentSyncModule, PredictionLogModule, RegistryClientModule, ShadowModule], providers: [InferenceService, DataPlane], exports: [InferenceService, DataPlane] })
export class InferenceModule {}
