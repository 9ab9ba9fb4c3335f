import type { Env } from '@switchyard/config';
import type { ArtifactStore } from './artifact-store';
import { FileArtifactStore } from './file-artifact-store';
import { S3ArtifactStore } from './s3-artifact-store';

type StoreEnv = Pick<
  Env,
  'ARTIFACT_STORE_URL' | 'S3_ENDPOINT' | 'S3_REGION' | 'S3_FORCE_PATH_STYLE' | 'AWS_ACCESS_KEY_ID' | 'AWS_SECRET_ACCESS_KEY'
>;

/** `file://<path>` (relative paths from the working directory) or `s3://<bucket>/<prefix>`. */
export function createArtifactStore(env: StoreEnv): ArtifactStore {
  const url = env.ARTIFACT_STORE_URL;
  if (url.startsWith('file://')) return new FileArtifactStore(url.slice('file://'.length));
  const match = /^s3:\/\/([^/]+)\/?(.*)$/.exec(url);
  if (!match) throw new Error(`ARTIFACT_STORE_URL: unsupported store ${url}`);
  return new S3ArtifactStore({
    bucket: match[1],
    prefix: match[2].replace(/\/+$/, ''),
    endpoint: env.S3_ENDPOINT,
    region: env.S3_REGION,
    forcePathStyle: env.S3_FORCE_PATH_STYLE,
    accessKeyId: env.AWS_ACCESS_KEY_ID,
    secretAccessKey: env.AWS_SECRET_ACCESS_KEY,
  });
}

/** Parses a stored artifact URI back to its key in the configured store. */
export function keyFromUri(uri: string): string {
  const match = /(models\/[^/]+\/\d+\/model\.onnx)$/.exec(uri);
  if (!match) throw new Error(`not an artifact uri: ${uri}`);
  return match[1];
}
