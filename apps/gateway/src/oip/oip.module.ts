import { Module } from '@nestjs/common';
import { DeploymentSyncModule } from '../deployment-sync/deployment-sync.module';
import { PredictionLogModule } from '../prediction-log/prediction-log.module';
import { PredictModule } from '../predict/predict.module';
import { ShadowModule } from '../shadow/shadow.module';
import { OipController } from './oip.controller';
import { OipService } from './oip.service';

@Module({ imports: [DeploymentSyncModule, PredictModule, PredictionLogModule, ShadowModule], controllers: [OipController], providers: [OipService] })
export class OipModule {}
