import { Global, Module } from '@nestjs/common';
import { TypedConfig } from '@switchyard/config';
import { ARTIFACT_STORE } from './artifact-store';
import { createArtifactStore } from './create-artifact-store';

@Global()
@Module({
  providers: [
    {
      provide: ARTIFACT_STORE,
      inject: [TypedConfig],
      useFactory: (config: TypedConfig) =>
        createArtifactStore({
          ARTIFACT_STORE_URL: config.get('ARTIFACT_STORE_URL'),
          S3_ENDPOINT: config.get('S3_ENDPOINT'),
          S3_REGION: config.get('S3_REGION'),
          S3_FORCE_PATH_STYLE: config.get('S3_FORCE_PATH_STYLE'),
          AWS_ACCESS_KEY_ID: config.get('AWS_ACCESS_KEY_ID'),
          AWS_SECRET_ACCESS_KEY: config.get('AWS_SECRET_ACCESS_KEY'),
        }),
    },
  ],
  exports: [ARTIFACT_STORE],
})
export class StorageModule {}
