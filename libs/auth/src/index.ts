export * from './roles';
export * from './api-key';
export * from './key-mirror';
export * from './route-rules';
export * from './token-bucket';
export * from './replica-share';
