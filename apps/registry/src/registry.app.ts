import multipart from '@fastify/multipart';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { TypedConfig } from '@switchyard/config';
import { createHttpApp } from '@switchyard/http';
import { KeysService } from './keys/keys.service';
import { RegistryModule } from './registry.module';

/** Builds the registry app without listening, so tests and main.ts start it the same way. */
export async function createRegistryApp(): Promise<NestFastifyApplication> {
  return createHttpApp(RegistryModule.forRoot(), {
    app: 'registry',
    keys: (app) => app.get(KeysService),
    title: 'Switchyard registry',
    description: 'Models, versions, ONNX artifacts, aliases, traffic and audit.',
    multipartRoutes: ['POST /v1/models/:name/versions'],
    configure: async (app) => {
      const maxArtifactBytes = app.get(TypedConfig).get('MAX_ARTIFACT_BYTES');
      await app.register(multipart as never, {
        limits: { fileSize: maxArtifactBytes, parts: 10, fields: 5, fieldSize: 64 * 1024 },
        throwFileSizeLimit: true,
      });
    },
  });
}
