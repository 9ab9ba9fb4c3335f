import { Module } from '@nestjs/common';
import { GatewayMetrics } from '../gateway-metrics';
import { InferenceThreads } from '../sessions/inference-threads';
import { ModelSessions } from '../sessions/model-sessions.service';
import { DeploymentSync } from './deployment-sync.service';

@Module({ providers: [ModelSessions, DeploymentSync, GatewayMetrics, InferenceThreads], exports: [ModelSessions, DeploymentSync, GatewayMetrics] })
export class DeploymentSyncModule {}
