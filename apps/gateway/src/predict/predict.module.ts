import { Module } from '@nestjs/common';
import { DeploymentSyncModule } from '../deployment-sync/deployment-sync.module';
import { PredictionLogModule } from '../prediction-log/prediction-log.module';
import { ShadowModule } from '../shadow/shadow.module';
import { InferenceService } from './inference.service';
import { PredictController } from './predict.controller';
import { PredictService } from './predict.service';

@Module({ imports: [DeploymentSyncModule, PredictionLogModule, ShadowModule], controllers: [PredictController], providers: [InferenceService, PredictService], exports: [InferenceService] })
export class PredictModule {}
