export * from './env.schema';
export * from './validate-env';
export * from './config.module';
export * from './typed-config';
