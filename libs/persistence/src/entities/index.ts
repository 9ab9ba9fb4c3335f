import { ModelEntity } from './model.entity';
import { ModelVersionEntity } from './model-version.entity';

export * from './model.entity';
export * from './model-version.entity';

/** Listed explicitly, never globbed: what is here is exactly what the migrations must create. */
export const ENTITIES = [ModelEntity, ModelVersionEntity];
