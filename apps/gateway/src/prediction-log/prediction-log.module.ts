import { Module } from '@nestjs/common';
import { DeploymentSyncModule } from '../deployment-sync/deployment-sync.module';
import { FeedbackController } from './feedback.controller';
import { FeedbackService } from './feedback.service';
import { PredictionRecorder } from './prediction-recorder.service';

@Module({ imports: [DeploymentSyncModule], controllers: [FeedbackController], providers: [PredictionRecorder, FeedbackService], exports: [PredictionRecorder] })
export class PredictionLogModule {}
