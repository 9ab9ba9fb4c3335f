import { Module } from '@nestjs/common';
import { InferenceModule } from '../inference/inference.module';
import { PredictService } from './predict.service';

/** `/v1` predict; its route is registered on Fastify directly (predict.route.ts). */
@Module({ imports: [InferenceModule], providers: [PredictService], exports: [PredictService] })
export class PredictModule {}
