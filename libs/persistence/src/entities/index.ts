import { AuditEntryEntity } from './audit-entry.entity';
import { DeploymentEntity } from './deployment.entity';
import { ModelEntity } from './model.entity';
import { ModelAliasEntity } from './model-alias.entity';
import { ModelVersionEntity } from './model-version.entity';

export * from './audit-entry.entity';
export * from './deployment.entity';
export * from './model.entity';
export * from './model-alias.entity';
export * from './model-version.entity';

/** Listed explicitly, never globbed: what is here is exactly what the migrations must create. */
export const ENTITIES = [ModelEntity, ModelVersionEntity, ModelAliasEntity, DeploymentEntity, AuditEntryEntity];
