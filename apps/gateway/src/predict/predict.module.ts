import { Module } from '@nestjs/common';
import { InferenceModule } from '../inference/inference.module';
import { PredictController } from './predict.controller';
import { PredictService } from './predict.service';

@Module({ imports: [InferenceModule], controllers: [PredictController], providers: [PredictService] })
export class PredictModule {}
