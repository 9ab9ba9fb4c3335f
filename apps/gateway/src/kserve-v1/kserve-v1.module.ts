import { Module } from '@nestjs/common';
import { DeploymentSyncModule } from '../deployment-sync/deployment-sync.module';
import { InferenceModule } from '../inference/inference.module';
import { KserveV1Controller } from './kserve-v1.controller';
import { KserveV1Service } from './kserve-v1.service';

/** KServe's v1 protocol and TensorFlow Serving's REST predict API; the predict routes are registered on Fastify directly. */
@Module({ imports: [DeploymentSyncModule, InferenceModule], controllers: [KserveV1Controller], providers: [KserveV1Service], exports: [KserveV1Service] })
export class KserveV1Module {}
