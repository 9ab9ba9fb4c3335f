import { ApiKeyEntity } from './api-key.entity';
import { AuditEntryEntity } from './audit-entry.entity';
import { DeploymentEntity } from './deployment.entity';
import { EventEntity, WebhookDeliveryEntity, WebhookEntity } from './event.entity';
import { ModelEntity } from './model.entity';
import { ModelAliasEntity } from './model-alias.entity';
import { ModelVersionEntity } from './model-version.entity';
import { PendingLabelEntity, PendingOutcomeEntity, PredictionLogEntity } from './prediction-log.entity';
import { PredictionInputRollupEntity, PredictionRollupEntity } from './prediction-rollup.entity';
import { RegistryInstanceEntity } from './registry-instance.entity';
import { RolloutPlanEntity } from './rollout-plan.entity';
import { ShadowRollupEntity } from './shadow-rollup.entity';

export * from './api-key.entity';
export * from './audit-entry.entity';
export * from './deployment.entity';
export * from './event.entity';
export * from './model.entity';
export * from './model-alias.entity';
export * from './model-version.entity';
export * from './guardrail';
export * from './prediction-log.entity';
export * from './prediction-rollup.entity';
export * from './registry-instance.entity';
export * from './rollout-plan.entity';
export * from './shadow-rollup.entity';

/** Listed explicitly, never globbed: what is here is exactly what the migrations must create. */
export const ENTITIES = [
  ModelEntity,
  ModelVersionEntity,
  ModelAliasEntity,
  DeploymentEntity,
  AuditEntryEntity,
  ApiKeyEntity,
  PredictionLogEntity,
  PendingOutcomeEntity,
  PendingLabelEntity,
  PredictionRollupEntity,
  PredictionInputRollupEntity,
  RegistryInstanceEntity,
  RolloutPlanEntity,
  ShadowRollupEntity,
  EventEntity,
  WebhookEntity,
  WebhookDeliveryEntity,
];
