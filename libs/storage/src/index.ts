export * from './artifact-store';
export * from './file-artifact-store';
export * from './s3-artifact-store';
export * from './create-artifact-store';
export * from './storage.module';
