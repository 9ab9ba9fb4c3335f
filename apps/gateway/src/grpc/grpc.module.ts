import { Module } from '@nestjs/common';
import { InferenceModule } from '../inference/inference.module';
import { KeysModule } from '../keys/keys.module';
import { OipModule } from '../oip/oip.module';
import { GrpcInferenceService } from './grpc-inference.service';
import { GrpcServer } from './grpc-server.service';

/** The Open Inference Protocol over gRPC, on its own port, beside the HTTP routes (see GrpcServer). */
@Module({ imports: [InferenceModule, KeysModule, OipModule], providers: [GrpcInferenceService, GrpcServer], exports: [GrpcServer] })
export class GrpcModule {}
