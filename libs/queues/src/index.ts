export * from './redis.module';
export * from './queue-contract';
export * from './bullmq.module';
export * from './deployment-contract';
export * from './prediction-log-contract';
export * from './stream-entry-encoder';
export * from './version-number';
export * from './worker-shutdown';
