import { Module } from '@nestjs/common';
import { DeploymentsModule } from '../deployments/deployments.module';
import { FeedbackController } from './feedback.controller';
import { FeedbackService } from './feedback.service';
import { PredictionRecorder } from './prediction-recorder.service';

@Module({ imports: [DeploymentsModule], controllers: [FeedbackController], providers: [PredictionRecorder, FeedbackService], exports: [PredictionRecorder] })
export class PredictionLogModule {}
