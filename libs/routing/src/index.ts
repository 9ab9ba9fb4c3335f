export * from './buckets';
export * from './recent-memo';
export * from './stable-hash';
export * from './variant';
export * from './weighted-router';
