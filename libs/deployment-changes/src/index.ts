export * from './deployment-changes.module';
export * from './deployment-changes.service';
export * from './deployment-state';
export * from './promotion';
export * from './rollout-plan-guard';
