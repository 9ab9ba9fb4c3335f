import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { readdir } from 'node:fs/promises';
import * as path from 'node:path';

/** Every object key the store holds under `models/<model>/`, read directly (not through the app). */
export async function storedKeys(storeUrl: string, model: string): Promise<string[]> {
  if (storeUrl.startsWith('file://')) {
    const root = path.join(storeUrl.slice('file://'.length), 'models', model);
    try {
      const entries = await readdir(root, { recursive: true, withFileTypes: true });
      return entries.filter((e) => e.isFile()).map((e) => path.relative(root, path.join(e.parentPath, e.name)));
    } catch {
      return [];
    }
  }
  const [, bucket, prefix] = /^s3:\/\/([^/]+)\/(.*)$/.exec(storeUrl)!;
  const client = new S3Client({
    region: 'us-east-1',
    endpoint: process.env.S3_ENDPOINT,
    forcePathStyle: true,
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
  });
  try {
    const listed = await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: `${prefix}/models/${model}/` }));
    return (listed.Contents ?? []).map((o) => o.Key!);
  } finally {
    client.destroy();
  }
}

/**
 * Probes until accept() holds or the deadline passes, then returns the last value for the caller to
 * assert on. The default deadline is generous (a busy machine loads and propagates slowly); it only
 * costs time when something is really wrong.
 */
export async function eventually<T>(probe: () => Promise<T>, accept: (value: T) => boolean, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let value = await probe();
  while (!accept(value) && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 100));
    value = await probe();
  }
  return value;
}
