import { type DynamicModule, Module } from '@nestjs/common';
import { SwitchyardConfigModule } from '@switchyard/config';
import { loggingModule, MetricsModule } from '@switchyard/http';
import { RedisModule } from '@switchyard/queues';
import { DeploymentSyncModule } from './deployment-sync/deployment-sync.module';
import { GrpcModule } from './grpc/grpc.module';
import { HealthModule } from './health/health.module';
import { KeysModule } from './keys/keys.module';
import { KserveV1Module } from './kserve-v1/kserve-v1.module';
import { V1_PROTOCOL_PREDICT_ROUTES } from './kserve-v1/kserve-v1.route';
import { OipModule } from './oip/oip.module';
import { PredictModule } from './predict/predict.module';

/**
 * The inference routes, as Fastify names them. They get no per-request HTTP log line (see
 * installRequestLog): each prediction is recorded in the prediction log, and a failed one still gets a
 * line (gateway.app.ts).
 */
export const INFERENCE_ROUTES = ['/v1/models/:name/predict', ...V1_PROTOCOL_PREDICT_ROUTES, '/v2/models/:name/infer', '/v2/models/:name/versions/:version/infer'];

/** Built per app instance so configuration is read when the app is created. */
@Module({})
export class GatewayModule {
  static forRoot(): DynamicModule {
    return {
      module: GatewayModule,
      imports: [
        SwitchyardConfigModule.forRoot(),
        // The request log is a Fastify hook that passes the inference routes by (gateway.app.ts).
        loggingModule('gateway', { requestLog: 'fastify-hook' }),
        MetricsModule,
        RedisModule,
        KeysModule,
        DeploymentSyncModule,
        HealthModule,
        PredictModule,
        OipModule,
        KserveV1Module,
        GrpcModule,
      ],
    };
  }
}
