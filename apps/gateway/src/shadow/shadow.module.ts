import { Module } from '@nestjs/common';
import { DeploymentSyncModule } from '../deployment-sync/deployment-sync.module';
import { PredictionLogModule } from '../prediction-log/prediction-log.module';
import { ShadowMirror } from './shadow-mirror.service';

/** Copies of champion requests run on the model's shadow after the caller has its answer. */
@Module({ imports: [DeploymentSyncModule, PredictionLogModule], providers: [ShadowMirror], exports: [ShadowMirror] })
export class ShadowModule {}
