import { Module } from '@nestjs/common';
import { GatewayMetrics } from '../gateway-metrics';
import { ModelSessions } from '../sessions/model-sessions.service';
import { DeploymentSync } from './deployment-sync.service';

@Module({ providers: [ModelSessions, DeploymentSync, GatewayMetrics], exports: [ModelSessions, DeploymentSync, GatewayMetrics] })
export class DeploymentsModule {}
