import { CreateModelsAndVersions1764000000000 } from './1764000000000-CreateModelsAndVersions';
import { AliasesDeploymentsAudit1764100000000 } from './1764100000000-AliasesDeploymentsAudit';
import { ModelBatching1764200000000 } from './1764200000000-ModelBatching';

/** Every migration, in order. Listed explicitly so the compiled apps and the CLI see the same set. */
export const MIGRATIONS: Function[] = [CreateModelsAndVersions1764000000000, AliasesDeploymentsAudit1764100000000, ModelBatching1764200000000];
