import { Module } from '@nestjs/common';
import { GatewayMetrics } from '../gateway-metrics';
import { RegistryClientModule } from '../registry-client/registry-client.module';
import { ArtifactCache } from '../sessions/artifact-cache';
import { InferenceThreads } from '../sessions/inference-threads';
import { ModelSessions } from '../sessions/model-sessions.service';
import { VersionLoader } from '../sessions/version-loader.service';
import { DeploymentSync } from './deployment-sync.service';

@Module({
  imports: [RegistryClientModule],
  providers: [ModelSessions, VersionLoader, ArtifactCache, DeploymentSync, GatewayMetrics, InferenceThreads],
  exports: [ModelSessions, DeploymentSync, GatewayMetrics],
})
export class DeploymentSyncModule {}
