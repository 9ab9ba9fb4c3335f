export * from './buckets';
export * from './stable-hash';
export * from './variant';
export * from './weighted-router';
