export * from './entities';
export * from './data-source-options';
export * from './database-setup';
export * from './persistence.module';
export * from './cursor';
