export * from './bootstrap';
export * from './metrics';
export * from './health-indicators';
export * from './logging';
export * from './actor';
export * from './dependency-health.module';
export * from './access-guard';
export * from './routes';
