import { CreateModelsAndVersions1764000000000 } from './1764000000000-CreateModelsAndVersions';
import { AliasesDeploymentsAudit1764100000000 } from './1764100000000-AliasesDeploymentsAudit';
import { ModelBatching1764200000000 } from './1764200000000-ModelBatching';
import { ApiKeys1764300000000 } from './1764300000000-ApiKeys';
import { ValidationAttempts1764400000000 } from './1764400000000-ValidationAttempts';
import { PredictionLog1764500000000 } from './1764500000000-PredictionLog';
import { PredictionLogKeyedByModel1764600000000 } from './1764600000000-PredictionLogKeyedByModel';
import { KeyRateLimits1764650000000 } from './1764650000000-KeyRateLimits';
import { RegistryInstance1764700000000 } from './1764700000000-RegistryInstance';
import { ShadowShare1764800000000 } from './1764800000000-ShadowShare';
import { GroundTruthLabels1764810000000 } from './1764810000000-GroundTruthLabels';
import { RolloutPlans1764830000000 } from './1764830000000-RolloutPlans';
import { ShadowPredictions1764820000000 } from './1764820000000-ShadowPredictions';
import { AuditScopesAndSearchIndexes1764840000000 } from './1764840000000-AuditScopesAndSearchIndexes';
import { VersionApproval1764840000001 } from './1764840000001-VersionApproval';
import { EventsAndWebhooks1764840000002 } from './1764840000002-EventsAndWebhooks';
import { DeliveriesByEvent1764840000003 } from './1764840000003-DeliveriesByEvent';
import { WebhookSecretOverlap1764840000004 } from './1764840000004-WebhookSecretOverlap';

/** Every migration, in order. Listed explicitly so the compiled apps and the CLI see the same set. */
export const MIGRATIONS: Function[] = [
  CreateModelsAndVersions1764000000000,
  AliasesDeploymentsAudit1764100000000,
  ModelBatching1764200000000,
  ApiKeys1764300000000,
  ValidationAttempts1764400000000,
  PredictionLog1764500000000,
  PredictionLogKeyedByModel1764600000000,
  KeyRateLimits1764650000000,
  RegistryInstance1764700000000,
  ShadowShare1764800000000,
  GroundTruthLabels1764810000000,
  ShadowPredictions1764820000000,
  RolloutPlans1764830000000,
  AuditScopesAndSearchIndexes1764840000000,
  VersionApproval1764840000001,
  EventsAndWebhooks1764840000002,
  DeliveriesByEvent1764840000003,
  WebhookSecretOverlap1764840000004,
];
